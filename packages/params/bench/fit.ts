// Fits the cost model's named terms (src/cost.ts) to the recorded measurements: the keyswitch
// weight from the keyswitch-alone CPU times, then the blind rotation's FFT, product and rotation
// weights from (KS+PBS - keyswitch), by least squares on relative error. Prints the weights
// relative to one FFT unit and each set's measured vs modelled time.
// Usage: npx tsx packages/params/bench/fit.ts [measured.json ...] (default: runs 3 and 4, fitted as one:
// both measured the engine of today's COST_WEIGHTS)
import { readFileSync } from 'node:fs';
import { COST_WEIGHTS, costTerms, pbsCost } from '../src/cost.js';

const files = process.argv.slice(2).filter((a) => a !== '--');
if (!files.length) for (const run of [3, 4]) files.push(new URL(`./measured-cost-run${run}.json`, import.meta.url).pathname);
const rec = { sets: files.flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { sets: MeasuredSet[] }).sets) };
interface MeasuredSet {
  id: string;
  n: number;
  k: number;
  N: number;
  pbsLevels: number;
  ksLevels: number;
  cpuMsPerPbs: number;
  keyswitchMs: number;
}
const shape = (s: MeasuredSet) => ({
  lweDimension: s.n,
  glweDimension: s.k,
  polynomialSize: s.N,
  pbs: { baseLog: 1, levelCount: s.pbsLevels },
  keyswitch: { baseLog: 1, levelCount: s.ksLevels },
});

/** Least squares min sum ((A x - y) / y)^2 by the normal equations (a few unknowns). */
function fit(rows: number[][], y: number[]): number[] {
  const m = rows[0]!.length;
  const M = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  rows.forEach((r, i) => {
    const w = 1 / y[i]! ** 2;
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) M[a]![b]! += w * r[a]! * r[b]!;
      M[a]![m]! += w * r[a]! * y[i]!;
    }
  });
  for (let c = 0; c < m; c++) {
    for (let r = c + 1; r < m; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let j = c; j <= m; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  const x = new Array<number>(m).fill(0);
  for (let c = m - 1; c >= 0; c--) {
    let s = M[c]![m]!;
    for (let j = c + 1; j < m; j++) s -= M[c]![j]! * x[j]!;
    x[c] = s / M[c]![c]!;
  }
  return x;
}

const terms = rec.sets.map((s) => costTerms(shape(s)));
const [ks] = fit(
  terms.map((t) => [t.keyswitchProducts]),
  rec.sets.map((s) => s.keyswitchMs),
);
const br = fit(
  terms.map((t) => [t.fftUnits, t.products, t.rotation]),
  rec.sets.map((s) => s.cpuMsPerPbs - s.keyswitchMs),
);
const [fft, product, rotation] = br as [number, number, number];
console.log(
  `ms per unit: fft ${fft.toExponential(3)}, product ${product.toExponential(3)}, rotation ${rotation.toExponential(3)}, keyswitch ${ks!.toExponential(3)}`,
);
console.log(
  `weights relative to one FFT unit: product ${(product / fft).toFixed(2)}, rotation ${(rotation / fft).toFixed(2)}, keyswitch ${(ks! / fft).toFixed(2)} (committed: ${JSON.stringify(COST_WEIGHTS)})`,
);
for (const s of rec.sets) {
  const model = pbsCost(shape(s), { fft, product, rotation, keyswitch: ks! }).total;
  console.log(
    `${s.id.padEnd(14)} measured ${s.cpuMsPerPbs.toFixed(2)} ms, fit ${model.toFixed(2)} ms, committed model ${pbsCost(shape(s)).total.toExponential(3)} units`,
  );
}
