// Command modules must not load TensorFlow.js (@fhenet/training) or the native engine
// (@fhenet/engine, and everything above it) when the CLI starts: `fhenet --help` and `fhenet compile` would pay ~2 s and
// a missing native build would break commands that never encrypt. Heavy packages are imported
// inside the handlers (await import); at module level only type imports and the light entry
// points (@fhenet/training/format, @fhenet/datasets, @fhenet/models) are allowed.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../src/commands/', import.meta.url));
const HEAVY = /^import (?!type )[^;]*from '@fhenet\/(training|engine|executor|client|server|compiler|experiments)';/m;

describe('fhenet command modules', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  it('exist', () => expect(files.length).toBeGreaterThan(5));
  for (const f of files) {
    it(`${f} imports no heavy package at module level`, () => {
      expect(readFileSync(`${DIR}${f}`, 'utf8')).not.toMatch(HEAVY);
    });
  }
});
