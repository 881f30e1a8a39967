// Bounds on a JSON text before it is parsed, for the files between stages (trained graph
// manifest, circuit). JSON.parse itself copes with any nesting, but what reads the result walks it
// recursively (validation, error messages), and a small text of `[{},{},...]` becomes a huge object
// graph: a hostile file must be refused by its shape, with a message naming the file, before it
// becomes either. One linear pass over the characters, strings skipped.

export interface JsonLimits {
  /** Deepest nesting of arrays and objects (a circuit needs 6). */
  readonly maxDepth: number;
  /** Most values (array elements and object members) in the whole text. */
  readonly maxValues: number;
}

/** Why `text` exceeds `limits` ("nesting deeper than 32 at character 1234"), or null when it does not. */
export function jsonLimitViolation(text: string, limits: JsonLimits): string | null {
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      // [ {
      if (++depth > limits.maxDepth) return `arrays and objects nested deeper than ${limits.maxDepth} (at character ${i})`;
      if (++values > limits.maxValues) return `more than ${limits.maxValues} values (at character ${i})`;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++values > limits.maxValues) return `more than ${limits.maxValues} values (at character ${i})`;
  }
  return null;
}

/** What parseBoundedJson read: the value, or what the text should have been and what it was. */
export type BoundedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly expected: string; readonly got: string };

/**
 * The one way the files between stages are parsed: the text's length (maxChars, for text that was
 * not bounded as a file before it was read), then its shape (jsonLimitViolation), then JSON.parse.
 * `what` names the JSON for the refusal ("a circuit's JSON"); each reader turns a refusal into its
 * own error class, naming its file.
 */
export function parseBoundedJson(text: string, limits: JsonLimits & { readonly maxChars?: number }, what: string): BoundedJson {
  if (limits.maxChars !== undefined && text.length > limits.maxChars)
    return { ok: false, expected: `at most ${limits.maxChars} characters of JSON`, got: `${text.length}` };
  const why = jsonLimitViolation(text, limits);
  if (why) return { ok: false, expected: `${what} (${limits.maxDepth} levels, ${limits.maxValues} values at most)`, got: why };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, expected: `${what}, readable`, got: (e as Error).message };
  }
}
