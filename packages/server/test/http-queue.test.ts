// The bounded job queue behind the service's 503: one job at a time, `capacity` waiting, FIFO.
import { describe, expect, it } from 'vitest';
import { BusyError, JobQueue } from '../src/queue.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('JobQueue', () => {
  it('runs one job at a time in arrival order and refuses beyond capacity', async () => {
    const q = new JobQueue(2);
    const order: string[] = [];
    const gate = deferred();
    const a = q.submit(async () => {
      order.push('a');
      await gate.promise;
      order.push('a done');
    });
    const b = q.submit(async () => {
      order.push('b');
    });
    const c = q.submit(async () => {
      order.push('c');
      return 7;
    });
    await expect(q.submit(async () => 0)).rejects.toBeInstanceOf(BusyError);
    expect(q.waiting).toBe(2);
    expect(order).toEqual(['a']);
    gate.resolve();
    await Promise.all([a, b]);
    expect(await c).toBe(7);
    expect(order).toEqual(['a', 'a done', 'b', 'c']);
    expect(q.running).toBe(false);
  });

  it('frees the slot when a job throws', async () => {
    const q = new JobQueue(0);
    await expect(
      q.submit(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await q.submit(async () => 1)).toBe(1);
  });

  it('rejects a nonsensical capacity', () => {
    expect(() => new JobQueue(-1)).toThrow(/capacity/);
  });
});
