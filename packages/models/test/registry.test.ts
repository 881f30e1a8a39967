// The registry and models/ agree, every published model loads by name (graph validated, circuit
// when committed), and a wrong name is an error that lists the right ones.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, modelDir, MODELS_DIR, PUBLISHED_MODEL_NAMES, PUBLISHED_MODELS } from '@fhenet/models';

describe('published model registry', () => {
  it('lists exactly the folders under models/', () => {
    const folders = readdirSync(MODELS_DIR)
      .filter((d) => statSync(join(MODELS_DIR, d)).isDirectory())
      .sort();
    expect([...PUBLISHED_MODEL_NAMES].sort()).toEqual(folders);
  });
  for (const m of PUBLISHED_MODELS) {
    it(`${m.name} loads by name and matches its entry`, () => {
      const loaded = loadModel(m.name);
      expect(loaded.dir).toBe(join(MODELS_DIR, m.name));
      expect(loaded.published).toEqual(m);
      const t = loaded.graph.training as Record<string, unknown>;
      expect(t.dataset).toBe(m.dataset);
      expect(t.range).toBe(m.range);
      expect(t.weightBits).toBe(m.weightBits);
      expect(t.actBits).toBe(m.actBits);
      if (m.activeSynapses === 'all') expect(t.pruning).toBeNull();
      else expect((t.pruning as { activeSynapses: number }).activeSynapses).toBe(m.activeSynapses);
      expect(t.width ?? 1).toBe(m.width ?? 1);
      if (m.circuitNotCommitted) expect(loaded.circuit, `${m.name}: circuitNotCommitted but circuit.json is present`).toBeUndefined();
      expect(t.perChannel).toBe(m.perChannel);
      expect((t.a2q as { accumulatorBits: number } | null | undefined)?.accumulatorBits).toBe(m.a2qBits);
      expect(t.poolQuantizer ?? false).toBe(m.poolQuantizer ?? false);
      if (loaded.circuit) expect(loaded.circuit.stages.length).toBeGreaterThan(0);
    });
  }
  it('loads a model folder given as a path too', () => {
    expect(loadModel(join(MODELS_DIR, 'mnist-fcnn-narrow-150')).name).toBe('mnist-fcnn-narrow-150');
  });
  it('rejects an unknown name, listing the published ones', () => {
    expect(() => modelDir('mnist-fcnn-nope')).toThrow(/model "mnist-fcnn-nope": neither a published model \(mnist-fcnn-narrow-150, /);
  });
});
