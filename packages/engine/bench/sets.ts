// Parameter sets the engine benches run: the published circuits' sets (models/*/circuit.json).
import { readdirSync, readFileSync } from 'node:fs';
import type { EngineParameterSet } from '@fhenet/engine';

/** Every distinct parameter set of the published circuits, with the models that use it. */
export function circuitSets(): { set: EngineParameterSet; models: string[] }[] {
  const root = new URL('../../../models/', import.meta.url);
  const bySet = new Map<string, { set: EngineParameterSet; models: string[] }>();
  for (const model of readdirSync(root).sort()) {
    let circuit: { parameters?: { set?: EngineParameterSet } };
    try {
      circuit = JSON.parse(readFileSync(new URL(`${model}/circuit.json`, root), 'utf8'));
    } catch {
      continue; // a model without a compiled circuit
    }
    const set = circuit.parameters?.set;
    if (!set) continue;
    // What the cost depends on: the shape, the decompositions and the noise (not nu or the name).
    const key = JSON.stringify([set.lweDimension, set.glweDimension, set.polynomialSize, set.pbs, set.keyswitch, set.lweNoise, set.glweNoise]);
    const entry = bySet.get(key) ?? { set, models: [] };
    entry.models.push(model);
    bySet.set(key, entry);
  }
  return [...bySet.values()];
}
