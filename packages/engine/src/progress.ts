/**
 * Progress callbacks of native async jobs (pbsAsync, wopLookup, tfhe-rs key expansion). The native
 * side calls `report` on the JS thread with counts increasing, ending at (total, total), every call
 * delivered before its Promise settles. A callback that throws must not abort the job half way
 * (pool threads cannot be stopped mid-batch): its first error is kept, later reports are dropped,
 * and once the job ends the result is disposed and that error rejects the returned Promise.
 * Without a callback, `run` gets no reporter (the native job then queues no progress calls).
 */
export async function withProgress<T extends { dispose(): void }>(
  onProgress: ((done: number, total: number) => void) | undefined,
  run: (report?: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  if (!onProgress) return run();
  let failure: { error: unknown } | null = null;
  const result = await run((done, total) => {
    if (failure) return;
    try {
      onProgress(done, total);
    } catch (error) {
      failure = { error };
    }
  });
  if (failure) {
    result.dispose();
    throw (failure as { error: unknown }).error;
  }
  return result;
}
