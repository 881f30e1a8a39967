// One error type for every problem in a trained graph file, naming where it is (file), what field
// (e.g. "layers[2].weights") and expected vs got, so a bad export is fixable from the message alone.

export class TrainedGraphError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${source}: ${field}: expected ${expected}, got ${got}`);
    this.name = 'TrainedGraphError';
  }
}

/** Short printable form of an unknown JSON value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing (field missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
