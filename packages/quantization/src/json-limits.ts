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
