// The parameter set a circuit runs with, and whether the runtime can run it at all: the checks
// every consumer of a circuit (client, executor, server) makes before it makes keys or a plan.
import type { TfheParameterSet, WopParameterSet } from '@fhenet/params';
import { mixedCrtViolation } from './crt.js';
import type { Circuit } from './types.js';

/**
 * Refuses a circuit this runtime cannot run encrypted: one mixing padded PBS stages with CRT stages
 * (mixedCrtViolation, crt.ts, says why). Circuits whose encrypted stages are all CRT stages
 * run with WoP lookups (@fhenet/executor); every path that needs keys or a plan checks here first.
 */
export function refuseCrtStages(circuit: Circuit): void {
  const mixed = mixedCrtViolation(circuit);
  if (mixed) throw new Error(`${mixed}. The runtime runs circuits whose encrypted stages are all padded or all CRT stages`);
}

/** True when the circuit's encrypted stages are CRT stages (run with WoP lookups and residue ciphertexts). */
export function isCrtCircuit(circuit: Circuit): boolean {
  return circuit.stages.some((s) => s.crt);
}

/** The circuit's chosen parameter set; a clear error when the compiler could not choose one or the runtime cannot run it. */
export function circuitParameters(circuit: Circuit): TfheParameterSet {
  refuseCrtStages(circuit);
  const set = circuit.parameters?.set;
  if (isCrtCircuit(circuit)) {
    if (!set) {
      throw new Error(
        `circuit "${circuit.name}" has CRT stages but no WoP-PBS parameters (written by a compiler that did not choose them, or no secure set ` +
          'met the error budget): recompile with `fhenet compile --crt` (a larger --p-error or a smaller --crt-max-modulus may help)',
      );
    }
    const wop = set as Partial<WopParameterSet>;
    if (!wop.circuitBootstrap || !wop.packingKeyswitch) {
      throw new Error(
        `circuit "${circuit.name}": parameter set ${set.name} has no circuitBootstrap / packingKeyswitch decompositions; CRT stages need a WoP-PBS set (recompile with --crt)`,
      );
    }
    return set;
  }
  if (!set) {
    throw new Error(
      `circuit "${circuit.name}" has no TFHE parameters (the compiler found no secure set for its ${circuit.bits}-bit ` +
        'stages; recompile with fewer bits, e.g. --max-bits 8)',
    );
  }
  if (set.messageBits !== circuit.bits) {
    throw new Error(`circuit "${circuit.name}": parameter set ${set.name} has ${set.messageBits} message bits, circuit needs ${circuit.bits}`);
  }
  return set;
}
