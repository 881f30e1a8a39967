// The committed MNIST circuits are what their model cards' command writes today, byte for byte: a
// change of the compiler's defaults (rounding, off-rate rule, parameter optimizer, noise model)
// shows up here as a diff of a published file, to be recompiled and re-measured, not as a silent
// drift between `models/` and what users get from `fhenet compile <model>`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CIRCUIT_FILE, modelDir } from '@fhenet/models';

// The built CLI in its own process: a convnet's compile is a minute or more of synchronous work,
// which in the test worker would starve vitest's RPC (its 60 s "onTaskUpdate" timeout fails the run).
const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const run = promisify(execFile);

const dir = mkdtempSync(join(tmpdir(), 'fhenet-published-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('published circuits', () => {
  // The convnets take ~1 min each (calibration of 10,000 images through 5-6 stages).
  for (const name of ['mnist-fcnn-narrow-150', 'mnist-fcnn-wide-90', 'mnist-fcnn-wide-190', 'mnist-lenet-wide-190', 'mnist-cnn6-wide-190']) {
    it(`${name}: \`fhenet compile ${name} --round-bits auto\` rewrites circuit.json byte for byte`, async () => {
      const out = join(dir, `${name}.json`);
      const { stdout } = await run(process.execPath, [CLI, 'compile', name, '--round-bits', 'auto', '--accuracy-count', '0', '--out', out], {
        maxBuffer: 64 * 2 ** 20,
      });
      expect(stdout).toMatch(/approximate/);
      const committed = readFileSync(join(modelDir(name), CIRCUIT_FILE), 'utf8');
      const written = readFileSync(out, 'utf8');
      expect(written.length).toBe(committed.length);
      expect(written === committed).toBe(true);
    }, 600_000);
  }
});
