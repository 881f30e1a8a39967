// The engine under AddressSanitizer + UndefinedBehaviorSanitizer (issue 16): scripts/sanitize.sh
// builds commons/, entities/, algorithms/ and native/tests/ with g++ -fsanitize=address,undefined
// (build-sanitize/, apart from the addon), runs the native tests and a short mutation fuzz of every
// reader of untrusted bytes (our key / ciphertext / packing-key formats, the tfhe-rs formats), and
// fails on any test failure or sanitizer report. A standalone executable rather than the addon in
// Node with a preloaded libasan: see docs/engine.md "Sanitizers".
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const script = fileURLToPath(new URL('../scripts/sanitize.sh', import.meta.url));

test(
  'native tests and reader fuzz pass under ASan + UBSan with no report',
  async () => {
    // Asynchronous, not spawnSync: the build and run take ~60 s, and a worker blocked that long
    // cannot read vitest's RPC replies (its fixed 60 s "onTaskUpdate" timeout fails the whole run).
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', [script], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
    const out = `${r.stdout}${r.stderr}`;
    // The build commands are long; the test lines, fuzz counts and verdict are what a reader needs.
    console.log(
      out
        .split('\n')
        .filter((l) => !l.startsWith('g++ '))
        .join('\n'),
    );
    expect(out).not.toMatch(/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/);
    expect(out).toMatch(/native tests: \d+ run, 0 failed/);
    expect(r.status, out.slice(-4000)).toBe(0);
  },
  20 * 60_000,
);
