import { describe, expect, it } from 'vitest';
import { FormatError, show } from '@fhenet/quantization';

class CircuitishError extends FormatError {}

describe('FormatError', () => {
  it('names file, field, expected and got, and takes the subclass name', () => {
    const e = new CircuitishError('c.json', 'stages[1].offset', '4 integers', '3');
    expect(e).toBeInstanceOf(FormatError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CircuitishError');
    expect(e.message).toBe('c.json: stages[1].offset: expected 4 integers, got 3');
    expect([e.source, e.field, e.expected, e.got]).toEqual(['c.json', 'stages[1].offset', '4 integers', '3']);
  });

  it('show() prints JSON values briefly and says when a field is missing', () => {
    expect(show(undefined)).toBe('nothing (field missing)');
    expect(show('x')).toBe('"x"');
    expect(show([1, 2])).toBe('[1,2]');
    expect(show(() => 1)).toMatch(/=>/);
    expect(show('a'.repeat(200))).toHaveLength(80);
  });
});
