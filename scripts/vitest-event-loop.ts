// Names the test that blocks its worker's event loop for too long.
//
// Vitest's worker talks to the runner over an RPC channel with a fixed 60 s timeout that no option
// changes. A test that runs 60 s of synchronous work (a spawnSync, a long native call, a compile in
// process) cannot read the runner's reply meanwhile, and Node runs expired timers before it polls
// for the reply: the run then ends with every test green, one anonymous
// `[vitest-worker]: Timeout calling "onTaskUpdate"` and exit code 1. This file measures the longest
// time the loop went without a turn during each test (and each file's hooks) and fails that test,
// by name, just before the runner's limit; it warns from a lower mark so a slow drift is seen.
import { setInterval, setTimeout } from 'node:timers';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';

// Taken from node:timers and bound now, so a test's vi.useFakeTimers() cannot stop this clock.
const clock = performance.now.bind(performance);

/**
 * Longer than this without a turn of the event loop fails the test. The runner's limit is 60 s:
 * close below it, so that this names the culprit of a run that would fail anyway and rarely fails
 * one that would pass.
 */
const FAIL_MS = 50_000;
/**
 * Longer than this is printed as a warning (CI under load runs ~3x slower than an idle machine).
 * FHENET_EVENT_LOOP_WARN_MS lowers it to list every long synchronous stretch of a run.
 */
const WARN_MS = Number(process.env.FHENET_EVENT_LOOP_WARN_MS) || 15_000;
const TICK_MS = 500;

let last = clock();
let worst = 0;
const timer = setInterval(() => {
  const now = clock();
  worst = Math.max(worst, now - last);
  last = now;
}, TICK_MS);
timer.unref();

/** Let every overdue timer run (the interval above included) before reading `worst`. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function verdict(what: string): void {
  const blocked = worst;
  worst = 0;
  if (blocked <= WARN_MS) return;
  const text = `${what} kept its worker's event loop busy for ${(blocked / 1000).toFixed(1)} s without a turn`;
  if (blocked > FAIL_MS) {
    throw new Error(
      `${text} (limit ${FAIL_MS / 1000} s): vitest's RPC times out at 60 s and fails the whole run. ` +
        'Move the synchronous work to a child process awaited asynchronously, or split it.',
    );
  }
  console.warn(`event loop: ${text}`);
}

beforeEach(async () => {
  await turn();
  verdict(`before "${expect.getState().currentTestName}": a hook or the file's top level`);
});

afterEach(async () => {
  await turn();
  verdict(`"${expect.getState().currentTestName}"`);
});

afterAll(async () => {
  await turn();
  verdict(`${expect.getState().testPath ?? 'this file'} (its afterAll hooks)`);
});
