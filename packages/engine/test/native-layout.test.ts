// The engine's folders (docs/engine.md "Layout") include one way only: commons <- entities <-
// algorithms <- bindings, and tests use everything but bindings. Includes are written from
// native/ ("algorithms/lwe_keyswitch.h"), so the folder of every include is in its path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../native/', import.meta.url));
const allowed: Record<string, string[]> = {
  commons: ['commons'],
  entities: ['commons', 'entities'],
  algorithms: ['commons', 'entities', 'algorithms'],
  bindings: ['commons', 'entities', 'algorithms', 'bindings'],
  tests: ['commons', 'entities', 'algorithms', 'tests'],
};

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.(h|cc)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

test('native/ includes go one way: commons <- entities <- algorithms <- bindings (tests: all but bindings)', () => {
  expect(readdirSync(root).sort()).toEqual(Object.keys(allowed).sort());
  const wrong: string[] = [];
  let includes = 0;
  for (const [folder, may] of Object.entries(allowed)) {
    for (const file of files(folder)) {
      for (const [, target] of readFileSync(join(root, file), 'utf8').matchAll(/^#include "([^"]+)"/gm)) {
        includes++;
        const top = target!.split('/')[0]!;
        if (!target!.includes('/') || !may.includes(top)) wrong.push(`${file} includes "${target}"`);
      }
    }
  }
  expect(wrong).toEqual([]);
  expect(includes).toBeGreaterThan(200);
});
