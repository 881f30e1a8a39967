#!/usr/bin/env node
// The engine's C++ sources, by part, for binding.gyp and the sanitizer build (one list, one place):
//   engine   - commons/, entities/, algorithms/ (the engine proper, no Node)
//   bindings - bindings/ (the N-API surface)
//   tests    - tests/ (the standalone native tests and reader fuzz, scripts/sanitize.sh)
// Usage: node native-sources.cjs <part>... ; prints paths relative to the package root, one per line.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const pkgDir = path.resolve(__dirname, '..');
const parts = { engine: ['commons', 'entities', 'algorithms'], bindings: ['bindings'], tests: ['tests'] };

function walk(dir) {
  return fs
    .readdirSync(path.join(pkgDir, dir), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.cc') ? [`${dir}/${e.name}`] : []));
}

const wanted = process.argv.slice(2);
if (wanted.length === 0 || wanted.some((p) => !(p in parts))) {
  console.error(`usage: native-sources.cjs <${Object.keys(parts).join('|')}>...`);
  process.exit(2);
}
for (const part of wanted) for (const dir of parts[part]) for (const f of walk(`native/${dir}`)) console.log(f);
