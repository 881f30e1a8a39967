// Encrypted inference benchmark: for every committed MNIST FCNN model (models/mnist-fcnn-*),
// compile it (calibration on 10 000 training images, as `fhenet compile`), then run real MNIST
// test images one at a time through keygen -> encrypt -> encrypted circuit -> decrypt, checking
// every decrypted integer against the clear simulation. Reports the median seconds per image and
// per-stage timings, and writes bench/INFERENCE-RESULTS.md; with --record FILE it also appends one
// record per model to that latency log (results/encrypted-latency.json: what `fhenet report` reads).
//
// Usage (from the repository root, after `pnpm build`):
//   pnpm tsx packages/client/bench/inference.ts [--count 100] [--seconds 1800] [--models a,b] [--circuit file.json] [--record results/encrypted-latency.json]
// The time budget is per model: it stops after the image that crosses it.
import { cpus, loadavg } from 'node:os';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from '@fhenet/compiler';
import { loadCircuit, type Circuit } from '@fhenet/circuit';
// tsx resolves these workspace packages through their sources (not dependencies of the runtime).
import { loadMnist } from '@fhenet/datasets';
import { loadTrainedGraph } from '@fhenet/training/format';
import { kernelVariant, threadCount } from '@fhenet/engine';
import { predict, type PredictResult } from '@fhenet/client';
import { appendLatencyRecord } from '@fhenet/experiments';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const COUNT = Number(arg('count') ?? 100);
const SECONDS = Number(arg('seconds') ?? 1800);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = fileURLToPath(new URL('./INFERENCE-RESULTS.md', import.meta.url));
const RECORD = arg('record');
// Paper (Stoian et al., Table 2): FCNN latency on 8 cores.
const PAPER: Record<string, string> = { 'mnist-fcnn-narrow-150': '31 s', 'mnist-fcnn-wide-90': '77 s', 'mnist-fcnn-wide-190': '300 s' };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Target {
  readonly name: string;
  readonly circuit?: Circuit;
  readonly skipped?: string;
}

function targets(): Target[] {
  const explicit = arg('circuit');
  if (explicit) {
    const c = loadCircuit(explicit);
    return [{ name: c.name, circuit: c }];
  }
  const wanted = arg('models')?.split(',');
  const train = loadMnist({ split: 'train', limit: 10000 });
  return readdirSync(`${ROOT}models`)
    .filter((d) => d.startsWith('mnist-fcnn-') && existsSync(`${ROOT}models/${d}/graph.json`) && (!wanted || wanted.includes(d)))
    .sort()
    .map((name): Target => {
      const { circuit, report } = compile(loadTrainedGraph(`${ROOT}models/${name}`), { calibration: { raw: train.images, count: train.count } });
      if (!circuit.parameters)
        return { name, skipped: `${report.bits}-bit circuit: ${'error' in report.parameters ? report.parameters.error : 'no parameters'}` };
      return { name, circuit };
    });
}

const test = loadMnist({ split: 'test' });
const size = test.images.length / test.count;
const started = new Date();
const loadAtStart = loadavg()[0]!;
const header = [
  '# Encrypted inference benchmark (@fhenet/client)',
  '',
  `- Date: ${started.toISOString()}`,
  `- CPU: ${cpus()[0]?.model ?? '?'} x ${cpus().length}, engine threads ${threadCount()}, kernels ${kernelVariant()}`,
  `- Load average at start (1/5/15 min): ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ')} (the 2 cores are shared with other jobs: expect slower and noisier than an idle machine)`,
  `- Command: \`pnpm tsx packages/client/bench/inference.ts ${process.argv.slice(2).join(' ')}\``,
  `- Per image: encrypt -> encrypted circuit (batched PBS on all engine threads) -> decrypt, one image at a time, MNIST test images from index 0; every decrypted integer compared with \`simulate\`.`,
  '',
];
const lines: string[] = [...header];
const write = () => writeFileSync(OUT, `${lines.join('\n')}\n`);
write();

for (const t of targets()) {
  if (!t.circuit) {
    lines.push(`## ${t.name}`, '', `Skipped: ${t.skipped}`, '');
    write();
    console.log(`${t.name}: skipped (${t.skipped})`);
    continue;
  }
  const c = t.circuit;
  const set = c.parameters!.set;
  console.log(`${t.name}: ${c.bits}-bit, ${set.name} (n=${set.lweDimension}, N=${set.polynomialSize}, k=${set.glweDimension})`);
  const r = await predict({
    circuit: c,
    images: test.images.subarray(0, COUNT * size),
    labels: test.labels.subarray(0, COUNT),
    count: Math.min(COUNT, test.count),
    batchSize: 1,
    budgetSeconds: SECONDS,
    log: (l) => {
      console.log(`  ${l}`);
      appendFileSync('/tmp/fhenet-bench-progress.log', `${t.name} ${l}\n`);
    },
  });
  // One result per image (batch size 1), in the shape the summary below reads.
  const results: PredictResult[] = r.batches.map((b, i) => ({ ...r, samples: [r.samples[i]!], batches: [b], exact: r.samples[i]!.exact }));
  const n = results.length;
  const compute = results.map((r) => r.batches[0]!.computeMs / 1000);
  const wall = results.map((r) => r.batches[0]!.wallMs / 1000);
  const exact = results.filter((r) => r.exact).length;
  const agree = results.filter((r) => r.samples[0]!.encrypted === r.samples[0]!.simulated).length;
  const correct = results.filter((r) => r.samples[0]!.encrypted === r.samples[0]!.label).length;
  const stageNames = results[0]!.batches[0]!.stages.map((s) => s.name);
  lines.push(
    `## ${t.name}`,
    '',
    `Circuit: ${c.bits} bits, ${results[0]!.batches[0]!.stages.reduce((a, s) => a + s.pbsCount, 0)} PBS per image; parameters ${set.name} ` +
      `(n=${set.lweDimension}, k=${set.glweDimension}, N=${set.polynomialSize}, PBS ${set.pbs.baseLog}/${set.pbs.levelCount}, KS ${set.keyswitch.baseLog}/${set.keyswitch.levelCount}).`,
    '',
    '| images | median s/image (compute) | median s/image (wall incl. encrypt+decrypt) | min / max compute s | exact == simulate | class == simulate | accuracy | keygen s (first) | paper (8 cores) |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${n} | ${median(compute).toFixed(1)} | ${median(wall).toFixed(1)} | ${Math.min(...compute).toFixed(1)} / ${Math.max(...compute).toFixed(1)} | ${exact}/${n} | ${agree}/${n} | ${correct}/${n} | ${results[0]!.keygenSeconds.toFixed(1)} | ${PAPER[t.name] ?? '-'} |`,
    '',
    'Per stage (median over images):',
    '',
    '| stage | linear ms | PBS | PBS s | ms per PBS |',
    '|---|---|---|---|---|',
    ...stageNames.map((name, k) => {
      const lin = median(results.map((r) => r.batches[0]!.stages[k]!.linearMs));
      const pbs = median(results.map((r) => r.batches[0]!.stages[k]!.pbsMs));
      const cnt = results[0]!.batches[0]!.stages[k]!.pbsCount;
      return `| ${name} | ${lin.toFixed(1)} | ${cnt} | ${(pbs / 1000).toFixed(2)} | ${cnt ? (pbs / cnt).toFixed(1) : '-'} |`;
    }),
    '',
    `Load average at the end: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' / ')}.`,
    '',
  );
  write();
  if (RECORD) {
    appendLatencyRecord(RECORD, {
      model: t.name,
      circuit: arg('circuit') ?? `models/${t.name} (compiled)`,
      bits: c.bits,
      pbsCount: results[0]!.batches[0]!.stages.reduce((a, s) => a + s.pbsCount, 0),
      roundBits: Math.max(0, ...c.stages.map((s) => s.roundBits)),
      parameterSet: {
        name: set.name,
        lweDimension: set.lweDimension,
        glweDimension: set.glweDimension,
        polynomialSize: set.polynomialSize,
        pbs: set.pbs,
        keyswitch: set.keyswitch,
      },
      medianSeconds: median(compute),
      images: n,
      exactImages: exact,
      hardware: `${cpus()[0]?.model ?? '?'} x ${cpus().length}, ${threadCount()} engine threads, ${kernelVariant()} kernels`,
      date: started.toISOString(),
      loadAverage: [loadAtStart, loadavg()[0]!],
      command: `pnpm tsx packages/client/bench/inference.ts ${process.argv.slice(2).join(' ')}`,
    });
  }
}
console.log(`wrote ${OUT}`);
