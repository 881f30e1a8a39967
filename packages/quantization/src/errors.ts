// The one error type for a malformed file between stages (dataset, trained graph, circuit): it names
// where the problem is (file), the field, and expected vs got, so a bad file is fixable from the
// message alone. Each stage subclasses it only to give the error its own name.

export class FormatError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${source}: ${field}: expected ${expected}, got ${got}`);
    this.name = new.target.name;
  }
}

/** Short printable form of an unknown (JSON) value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing (field missing)';
  let s: string | undefined;
  try {
    s = JSON.stringify(value);
  } catch {
    return Array.isArray(value) ? 'an array (too deeply nested to print)' : `a ${typeof value} (not printable)`;
  }
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
