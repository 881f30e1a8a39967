#!/usr/bin/env node
// Compiles the native TFHE engine (build/Release/fhenet_tfhe.node) with node-gyp.
// Uses Node's own installed headers (<prefix>/include/node) when present so that nothing is
// downloaded; otherwise node-gyp falls back to its header cache / download.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkgDir = path.resolve(__dirname, '..');
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [pkgDir] });
const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = [nodeGyp, 'rebuild', `--jobs=${Math.max(1, Math.min(os.cpus().length, 4))}`];
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
  // node-gyp reads <nodedir>/include/node/common.gypi and adds <nodedir>/include/node to the
  // include path, so nodedir is the installation prefix that holds include/node.
  args.push(`--nodedir=${prefix}`);
}
console.log(`fhenet engine: building native engine: node ${args.slice(1).join(' ')}`);
// binding.gyp runs `node` (source list, the security-rule header): the node running this script.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
const r = spawnSync(process.execPath, args, { cwd: pkgDir, stdio: 'inherit', env });
if (r.status !== 0) {
  console.error('fhenet engine: native build failed (needs g++ with C++17, make, python3)');
  process.exit(r.status ?? 1);
}
