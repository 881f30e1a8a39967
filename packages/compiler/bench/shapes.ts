// The cheapest secure set of each shape (k, N, PBS levels) that carries a compiled circuit's
// decisions at its error budget, with the cost model's price: the candidates measure.ts times.
// Usage: npx tsx packages/compiler/bench/shapes.ts [circuit.json] [--p-error 1e-6] [--json out.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { decisionPbsCount, optimizeParameters, pbsCost, predictedPbsMs, type TfheParameterSet } from '@fhenet/params';
import { circuitDecisions } from '@fhenet/compiler';
import type { Circuit } from '@fhenet/circuit';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const file = args.find((a) => a.endsWith('.json') && a !== opt('json', '')) ?? 'models/mnist-fcnn-narrow-150/circuit.json';
const pError = Number(opt('p-error', '1e-6'));
const circuit = JSON.parse(readFileSync(file, 'utf8')) as Circuit;
const decisions = circuitDecisions(circuit);
const count = decisionPbsCount(decisions);
const nu = Math.max(...circuit.stages.map((s) => s.analysis.nu));
const rows: { set: TfheParameterSet; ms: number }[] = [];
for (let logN = Math.max(circuit.bits, 8); logN <= 14; logN++) {
  for (let k = 1; k <= 6 && k * 2 ** logN <= 16384; k++) {
    for (let l = 1; l <= 4; l++) {
      try {
        const r = optimizeParameters({
          messageBits: circuit.bits,
          maxNu: nu,
          decisions,
          log2PFailPerPbs: { pErrorPerInference: pError, pbsCount: count },
          space: { polynomialSizeLog2: { min: logN, max: logN }, glweDimension: { min: k, max: k }, pbsLevels: { min: l, max: l } },
        });
        rows.push({ set: r.set, ms: predictedPbsMs(pbsCost(r.set)) });
      } catch {
        // no set of this shape meets the target
      }
    }
  }
}
rows.sort((a, b) => a.ms - b.ms);
console.log(`${file}: ${circuit.bits} bits, ${count} PBS, nu ${nu.toFixed(2)}, p-error ${pError}`);
for (const { set: s, ms } of rows.slice(0, 25)) {
  console.log(
    `n=${s.lweDimension} k=${s.glweDimension} N=${s.polynomialSize} pbs ${s.pbs.baseLog}/${s.pbs.levelCount} ks ${s.keyswitch.baseLog}/${s.keyswitch.levelCount} log2pf ${s.log2PFail.toFixed(1)}  ${ms.toFixed(2)} ms predicted`,
  );
}
const out = opt('json', '');
if (out)
  writeFileSync(
    out,
    JSON.stringify(
      rows.map((r) => r.set),
      null,
      1,
    ) + '\n',
  );
