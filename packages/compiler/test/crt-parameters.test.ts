// One WoP-PBS parameter set for a circuit whose encrypted stages are all CRT stages
// (crt-parameters.ts): secure, within the error budget, rated for every stage's moduli / nu /
// selector bits / output encodings; written into the circuit file and validated on read; mixed
// circuits get none. Encrypted execution with it: packages/client/test/inference-crt.test.ts.
import { describe, expect, it } from 'vitest';
import { log2PFailResidue, crtDrift, varVerticalPacking, noiseVariance, wopSecurityCheck, type WopParameterSet } from '@fhenet/params';
import { chooseParameters, compile, formatReport } from '@fhenet/compiler';
import { circuitFromJson, circuitToJson, crtOutputBits, selectorBits } from '@fhenet/circuit';
import { fcnnGraph } from '@fhenet/testing';

const allCrt = () => compile(fcnnGraph(11), { sizing: 'worstCase', crt: true, maxBits: 4, pError: 1e-6 });

describe('WoP parameters of CRT circuits', () => {
  it('one secure set, rated at the worst stage, within the budget', () => {
    const { circuit, report } = allCrt();
    expect(circuit.stages.every((s) => s.crt)).toBe(true);
    const set = circuit.parameters!.set as WopParameterSet;
    expect(wopSecurityCheck(set).secure).toBe(true);
    const moduli = circuit.stages.flatMap((s) => s.crt!.moduli);
    const pMax = Math.max(...moduli);
    expect(set.messageBits).toBe(Math.ceil(Math.log2(pMax)) + 1);
    expect(circuit.parameters!.pErrorPerInference).toBeLessThanOrEqual(1e-6);
    // Re-rate every modulus of every stage at the circuit's nu and the widest t: none worse than the recorded rating.
    const nu = Math.max(...circuit.stages.map((s) => s.analysis.nu));
    const t = Math.max(...circuit.stages.filter((s) => s.tables).map((s) => selectorBits(s.crt!.moduli)));
    const vin = Math.max(varVerticalPacking(set, t), noiseVariance(set.glweNoise));
    for (const p of moduli) {
      expect(log2PFailResidue(set, p, nu, vin, crtDrift(p, nu * nu + 1))).toBeLessThanOrEqual(circuit.parameters!.log2PFailPerPbs + 1e-9);
    }
    expect('error' in report.parameters).toBe(false);
    const text = formatReport(report);
    expect(text).toMatch(/\(WoP-PBS\): n=\d+, k=\d+, N=\d+, messageBits \d+, PBS \d+\/\d+, KS \d+\/\d+, CBS \d+\/\d+, PFKS \d+\/\d+/);
    expect(text).toMatch(/packing keyswitching [\d.]+ MiB \(seeded [\d.]+ MiB\)/);
    expect(text).toMatch(/dense1: 12 WoP lookups x [\d.]+ KS\+PBS-equivalents/);
  });

  it('a looser budget never costs more; the decoded output bits of a dequantized CRT last stage bound its tables', () => {
    const strict = chooseParameters(allCrt().circuit, 1e-9);
    const loose = chooseParameters(allCrt().circuit, 1e-2);
    expect(loose.wop!.pbsEquivalents * loose.pbsCost.total).toBeLessThanOrEqual(strict.wop!.pbsEquivalents * strict.pbsCost.total * (1 + 1e-9));
    expect(crtOutputBits({ tables: Int32Array.of(-8, 7) })).toBe(3);
    expect(crtOutputBits({ tables: Int32Array.of(-9, 0) })).toBe(4);
    expect(crtOutputBits({ tables: Int32Array.of(0, 8) })).toBe(4);
  });

  it('the circuit file carries the WoP set; the reader checks it and names the field', () => {
    const json = () => JSON.parse(JSON.stringify(circuitToJson(allCrt().circuit)));
    const back = circuitFromJson(json());
    expect(back.parameters).toEqual(allCrt().circuit.parameters);
    const noCbs = json();
    delete noCbs.parameters.set.circuitBootstrap;
    expect(() => circuitFromJson(noCbs)).toThrow(/parameters\.set: expected a valid WoP-PBS parameter set .*circuitBootstrap/);
    const narrow = json();
    narrow.parameters.set.messageBits = 3;
    expect(() => circuitFromJson(narrow)).toThrow(/parameters\.set\.messageBits: expected >= \d+ \(ceil\(log2 \d+\) \+ 1 for the largest modulus \d+\), got 3/);
  });

  it('a mixed circuit (padded and CRT stages) gets no parameters, with the reason', () => {
    const { circuit, report } = compile(fcnnGraph(11), { sizing: 'worstCase', crt: true, maxBits: 5 });
    expect(circuit.parameters).toBeUndefined();
    expect('error' in report.parameters && report.parameters.error).toMatch(/mixes padded stages \(logits\) with CRT stages \(dense1, dense2\)/);
  });
});
