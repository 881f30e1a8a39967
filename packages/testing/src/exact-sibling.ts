// The exactly rounded sibling of a published (approximately rounded) circuit, for the tests that
// check encrypted == simulated bit for bit: the same tables, extractions instead of the bootstrap's
// rounding, and the exact mode's own parameters (compiler rounding-mode.ts, parameters.ts). What
// `fhenet compile <model> --rounding exact` writes for the same model.
import { isApproximate, loadCircuit, saveCircuit, type Circuit } from '@fhenet/circuit';
import { chooseParameters, withRounding } from '@fhenet/compiler';

export function exactSibling(circuit: Circuit): Circuit {
  if (!circuit.stages.some(isApproximate)) return circuit;
  const exact = withRounding(circuit, 'exact');
  return { ...exact, parameters: chooseParameters(exact).parameters };
}

/** exactSibling of the circuit file `path`, written to `out` (for tests that hand commands a file). */
export function exactSiblingFile(path: string, out: string): string {
  saveCircuit(out, exactSibling(loadCircuit(path)));
  return out;
}
