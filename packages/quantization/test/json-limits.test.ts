// The bounded JSON parse every reader of a file between stages goes through (json-limits.ts).
import { describe, expect, it } from 'vitest';
import { parseBoundedJson } from '@fhenet/quantization';

const limits = { maxDepth: 3, maxValues: 5, maxChars: 40 };

describe('parseBoundedJson', () => {
  it('parses what is within every bound', () => {
    expect(parseBoundedJson('{"a": [1, 2, {"b": "[[[[,,,,,"}]}', limits, 'x')).toEqual({ ok: true, value: { a: [1, 2, { b: '[[[[,,,,,' }] } });
  });

  it('refuses by length, depth, value count and syntax, saying what it expected and what it got', () => {
    expect(parseBoundedJson(`"${'y'.repeat(40)}"`, limits, 'x')).toEqual({ ok: false, expected: 'at most 40 characters of JSON', got: '42' });
    const deep = parseBoundedJson('[[[[1]]]]', limits, "a test's JSON");
    expect(deep).toMatchObject({ ok: false, expected: "a test's JSON (3 levels, 5 values at most)" });
    expect(!deep.ok && deep.got).toMatch(/nested deeper than 3 \(at character 3\)/);
    const many = parseBoundedJson('[1,2,3,4,5,6]', limits, 'x');
    expect(!many.ok && many.got).toMatch(/more than 5 values/);
    const bad = parseBoundedJson('{"a": }', limits, 'x');
    expect(bad).toMatchObject({ ok: false, expected: 'x, readable' });
    expect(!bad.ok && bad.got).toMatch(/JSON/);
  });
});
