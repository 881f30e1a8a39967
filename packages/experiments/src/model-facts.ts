// What the Table 1 report needs from a published model: its registry entry, the accuracy its
// trained graph records, and its circuit (the committed circuit.json, else compiled here from the
// graph with calibration sizing, in memory only: the committed circuit files are the compiler's
// and their owners' to write).

import { compile, pbsCount } from '@fhenet/compiler';
import type { Circuit } from '@fhenet/circuit';
import type { ImageDataset } from '@fhenet/datasets';
import { loadModel } from '@fhenet/models';
import { simulatedAccuracy } from './point.js';
import type { ModelFacts } from './report.js';

/**
 * `calibration` sizes circuits that are not committed; `test`, when given, scores the circuit
 * (committed or compiled here) by clear simulation, which is what encryption computes exactly.
 */
export function modelFacts(name: string, calibration: ImageDataset | (() => ImageDataset), test?: ImageDataset | (() => ImageDataset)): ModelFacts {
  const m = loadModel(name);
  const p = m.published;
  if (!p) throw new Error(`model ${name}: not a published model (Table 1 lists published models only)`);
  const t = m.graph.training as Record<string, unknown>;
  const num = (field: string): number => {
    const v = t[field];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${m.dir}/graph.json: field training.${field}: expected a number, got ${JSON.stringify(v)}`);
    return v;
  };
  let circuit: ModelFacts['circuit'];
  let compiled: Circuit | undefined = m.circuit;
  if (m.circuit) {
    const set = m.circuit.parameters?.set;
    circuit = {
      bits: m.circuit.bits,
      pbsCount: pbsCount(m.circuit),
      source: `models/${name}/circuit.json`,
      parameters: set ?? null,
      roundBits: Math.max(0, ...m.circuit.stages.map((s) => s.roundBits)),
    };
  } else if (p.circuitNotCommitted) {
    // Its registry entry says why no circuit is published and how to compile it (model card): a
    // calibration compile here, with MNIST-style defaults, would report a different circuit.
    circuit = { error: `circuit not committed: ${p.circuitNotCommitted}` };
  } else {
    const data = typeof calibration === 'function' ? calibration() : calibration;
    try {
      const { circuit: c, report } = compile(m.graph, { calibration: { raw: data.images, count: data.count }, sizing: 'calibration' });
      compiled = c;
      circuit = {
        bits: c.bits,
        pbsCount: report.pbsCount,
        source: `a compile of models/${name}/graph.json (${data.count} calibration images; no circuit.json committed)`,
        parameters: 'error' in report.parameters ? null : report.parameters.parameters.set,
        roundBits: Math.max(0, ...c.stages.map((s) => s.roundBits)),
      };
    } catch (e) {
      circuit = { error: (e as Error).message };
    }
  }
  const testData = test === undefined ? undefined : typeof test === 'function' ? test() : test;
  const simulated = compiled && testData ? { simulatedAccuracy: simulatedAccuracy(compiled, testData), simulatedImages: testData.count } : {};
  return {
    ...simulated,
    name,
    network: p.network,
    dataset: p.dataset,
    weightBits: p.weightBits,
    actBits: p.actBits,
    range: p.range,
    active: p.activeSynapses,
    perChannel: p.perChannel,
    accuracy: num('testAccuracy'),
    testImages: num('testImages'),
    epochs: num('epochs'),
    circuit,
  };
}
