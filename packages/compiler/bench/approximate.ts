// Approximate vs exact rounding on a whole test set (issue 19): for each approximately rounded
// circuit file, its exactly rounded sibling (same tables, its own parameters: rounding-mode.ts),
// the simulated accuracy of both, and of the approximate one under S seeds of simulated bootstrap
// noise (mean, min, max), its class agreement with the exact circuit, and per stage the share of
// lookups that moved bucket / changed value. One JSON line per circuit, with timings and the load
// average. With --exact-out DIR, also writes each exact sibling to DIR/<name>.exact.json (what
// `fhenet compile <model> --rounding exact` writes), for `fhenet bench` of the exact circuits.
// Not a unit test. Usage (from the repository root; commands: bench/README.md):
//   [FHENET_CIFAR10_DIR=...] node --import tsx packages/compiler/bench/approximate.ts [--exact-out DIR] <dataset> <seeds> <circuit.json>...
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { loadDataset, type DatasetName } from '@fhenet/datasets'; // a dev dependency: bench only
import { chooseParameters, withRounding } from '@fhenet/compiler';
import { argmax, decodeOutputs, isApproximate, loadCircuit, quantizeInputs, saveCircuit, simulate, type Circuit } from '@fhenet/circuit';

const args = process.argv.slice(2);
const exactFlag = args[0] === '--exact-out';
const exactOut = exactFlag ? args[1] : undefined;
const [dataset, seedsArg, ...files] = exactFlag ? args.slice(2) : args;
if ((exactFlag && !exactOut) || !dataset || !seedsArg || files.length === 0)
  throw new Error('usage: approximate.ts [--exact-out DIR] <mnist|cifar10> <seeds> <circuit.json>...');
if (exactOut) mkdirSync(exactOut, { recursive: true });
const seeds = Number(seedsArg);
const test = loadDataset(dataset as DatasetName, { split: 'test' });
const size = test.images.length / test.count;
const CHUNK = 1000;
const load = () => loadavg().map((x) => +x.toFixed(2));

/** Classes of the whole test set, in chunks (bounded memory); noise seeded per (seed, chunk). */
function classes(c: Circuit, seed?: number) {
  const out = new Int32Array(test.count);
  const moved = c.stages.map(() => ({ lookups: 0, offBucket: 0, changed: 0 }));
  for (let s = 0, chunk = 0; s < test.count; s += CHUNK, chunk++) {
    const n = Math.min(CHUNK, test.count - s);
    const q = quantizeInputs(c, test.images.subarray(s * size, (s + n) * size), n);
    const r = simulate(c, q, n, seed === undefined ? {} : { noise: { seed: seed * 100_003 + chunk } });
    out.set(argmax(decodeOutputs(c, r.outputs, n), n), s);
    r.noise?.forEach((e, i) => {
      moved[i]!.lookups += e.lookups;
      moved[i]!.offBucket += e.offBucket;
      moved[i]!.changed += e.changed;
    });
  }
  return { classes: out, moved };
}

const accuracy = (cls: Int32Array) => cls.reduce((k, c, i) => k + (c === test.labels[i] ? 1 : 0), 0) / test.count;
const pct = (x: number) => +(100 * x).toFixed(2);

for (const file of files) {
  const t0 = performance.now();
  const approximate = loadCircuit(file);
  if (!approximate.stages.some(isApproximate)) throw new Error(`${file}: no approximately rounded stage`);
  const bare = withRounding(approximate, 'exact');
  const exact = { ...bare, parameters: chooseParameters(bare).parameters };
  const exactFile = exactOut ? join(exactOut, `${approximate.name}.exact.json`) : undefined;
  if (exactFile) saveCircuit(exactFile, exact);
  const e = classes(exact);
  const runs = Array.from({ length: seeds }, (_, k) => {
    const r = classes(approximate, k + 1);
    return { accuracy: accuracy(r.classes), agreement: r.classes.reduce((n, c, i) => n + (c === e.classes[i] ? 1 : 0), 0) / test.count, moved: r.moved };
  });
  const acc = runs.map((r) => r.accuracy);
  const agree = runs.map((r) => r.agreement);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    JSON.stringify({
      circuit: file,
      name: approximate.name,
      images: test.count,
      seeds,
      exactAccuracy: pct(accuracy(e.classes)),
      approximateAccuracy: { mean: pct(mean(acc)), min: pct(Math.min(...acc)), max: pct(Math.max(...acc)) },
      agreementWithExact: { mean: pct(mean(agree)), min: pct(Math.min(...agree)), max: pct(Math.max(...agree)) },
      stages: approximate.stages.map((s, i) => {
        const lookups = runs.reduce((n, r) => n + r.moved[i]!.lookups, 0);
        if (lookups === 0) return { name: s.name };
        const off = runs.reduce((n, r) => n + r.moved[i]!.offBucket, 0);
        const changed = runs.reduce((n, r) => n + r.moved[i]!.changed, 0);
        return { name: s.name, offBucket: +((100 * off) / lookups).toFixed(3), changedValue: +((100 * changed) / lookups).toFixed(3) };
      }),
      parameters: { approximate: approximate.parameters?.set.name, exact: exact.parameters.set.name },
      ...(exactFile ? { exactCircuit: exactFile } : {}),
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      load: load(),
      date: new Date().toISOString(),
    }),
  );
}
