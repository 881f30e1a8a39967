import { describe, expect, it } from 'vitest';
import { withProgress } from '../src/progress.js';

class Result {
  disposed = false;
  dispose() {
    this.disposed = true;
  }
}

describe('withProgress (progress callbacks of native async jobs)', () => {
  it('forwards every report and returns the result', async () => {
    const seen: number[][] = [];
    const r = await withProgress(
      (d, t) => seen.push([d, t]),
      async (report) => {
        for (const d of [1, 2, 3]) report!(d, 3);
        return new Result();
      },
    );
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(r.disposed).toBe(false);
  });

  it('a throwing callback: the job still ends, later reports are dropped, the result is disposed and the error rejects', async () => {
    const seen: number[] = [];
    const result = new Result();
    let reported = 0;
    await expect(
      withProgress(
        (d) => {
          seen.push(d);
          if (d === 2) throw new Error('sink full');
        },
        async (report) => {
          for (const d of [1, 2, 3, 4]) {
            report!(d, 4);
            reported++;
          }
          return result;
        },
      ),
    ).rejects.toThrow('sink full');
    expect(reported).toBe(4);
    expect(seen).toEqual([1, 2]);
    expect(result.disposed).toBe(true);
  });

  it('without a callback the job gets no reporter', async () => {
    let got: unknown = 'unset';
    await withProgress(undefined, async (report) => {
      got = report;
      return new Result();
    });
    expect(got).toBeUndefined();
  });
});
