// The fleet's pure parts: shard sizing (about 1 s of work each, whole rounds of the fleet's
// slots, contiguous and covering) and the workers' key cache (least recently used idle key set out
// first, key sets in use never, a clear error when one cannot fit, one expansion for concurrent jobs).
import { describe, expect, it } from 'vitest';
import { loadCircuit } from '@fhenet/circuit';
import type { EvaluationKeys } from '@fhenet/engine';
import { planCircuit } from '@fhenet/executor';
import { KeyCache, secondsPerOutput, shardRanges } from '@fhenet/fleet';
import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';

describe('shardRanges', () => {
  const plan = planCircuit(loadCircuit(TINY_MNIST_CIRCUIT));
  const stage = plan.stages.find((s) => s.tables)!;
  it('cuts contiguous shards of about targetSeconds, in whole rounds of the slots', () => {
    const perOutput = secondsPerOutput(stage, plan.params, 1);
    expect(perOutput).toBeGreaterThan(0);
    for (const slots of [1, 3, 8]) {
      const count = 1000;
      const r = shardRanges(count, stage, plan.params, { targetSeconds: 1, slots, threads: 1 });
      expect(r[0]![0]).toBe(0);
      expect(r.at(-1)![1]).toBe(count);
      for (let i = 1; i < r.length; i++) expect(r[i]![0]).toBe(r[i - 1]![1]);
      // Whole rounds of the slots (the last shard may be short when count does not divide).
      const size = r[0]![1] - r[0]![0];
      expect(Math.ceil(count / size) % slots === 0 || r.length === count).toBe(true);
      // About a second each (never more than the cost model's one-second shard).
      expect(size * perOutput).toBeLessThanOrEqual(Math.max(perOutput, 1.5));
    }
    expect(shardRanges(10, stage, plan.params, { targetSeconds: 1, slots: 64, threads: 1 })).toHaveLength(10); // at most one output per shard
    expect(shardRanges(10, stage, plan.params, { targetSeconds: 1, slots: 1, threads: 1, outputs: 4 })).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect(() => shardRanges(10, stage, plan.params, { targetSeconds: 1, slots: 1, threads: 1, outputs: 0 })).toThrow(
      /shard outputs: expected an integer >= 1/,
    );
  });
});

describe('KeyCache', () => {
  const fake = (log: string[], id: string) => ({ dispose: () => log.push(`dispose ${id}`) }) as unknown as EvaluationKeys;
  it('evicts the least recently used idle key set, never one in use, and says what does not fit', async () => {
    const log: string[] = [];
    const cache = new KeyCache(300);
    const load = (id: string) => async () => {
      log.push(`load ${id}`);
      return fake(log, id);
    };
    await cache.use('a'.repeat(64), 100, load('a'), async () => {});
    await cache.use('b'.repeat(64), 100, load('b'), async () => {});
    await cache.use('a'.repeat(64), 100, load('a'), async () => {}); // a is now the most recent
    await cache.use('c'.repeat(64), 100, load('c'), async () => {});
    expect(cache.heldBytes).toBe(300);
    await cache.use('d'.repeat(64), 100, load('d'), async () => {}); // b goes (least recently used)
    await new Promise((r) => setTimeout(r, 0));
    expect([...log].sort()).toEqual(['dispose b', 'load a', 'load b', 'load c', 'load d']);
    expect(cache.ids.map((i) => i[0]).sort()).toEqual(['a', 'c', 'd']);
    // While a, c and d are all in use nothing can be evicted: a clear error, nothing lost.
    let failure: Error | null = null;
    await cache.use('a'.repeat(64), 100, load('a'), () =>
      cache.use('c'.repeat(64), 100, load('c'), () =>
        cache.use('d'.repeat(64), 100, load('d'), async () => {
          await cache.use('e'.repeat(64), 100, load('e'), async () => {}).catch((e: Error) => (failure = e));
        }),
      ),
    );
    expect(String(failure)).toMatch(/evaluation keys eeeeeeeeeeee need 100 B expanded, but only 0 B of this worker's 300 B key budget is free/);
    expect(cache.ids).toHaveLength(3);
  });

  it('two jobs that need the same missing key set wait for one expansion; a failed one leaves nothing', async () => {
    const cache = new KeyCache(1000);
    let loads = 0;
    const slow = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { dispose() {} } as unknown as EvaluationKeys;
    };
    await Promise.all([cache.use('k'.repeat(64), 10, slow, async () => {}), cache.use('k'.repeat(64), 10, slow, async () => {})]);
    expect(loads).toBe(1);
    await expect(
      cache.use(
        'x'.repeat(64),
        10,
        () => Promise.reject(new Error('not published')),
        async () => {},
      ),
    ).rejects.toThrow('not published');
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.ids).toEqual(['k'.repeat(64)]);
  });
});
