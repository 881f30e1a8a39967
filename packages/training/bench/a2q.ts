// Accumulator-aware training (A2Q) against the published L1-pruned MNIST models: for each published
// configuration (same model, range, epochs, learning rate, batch, seed and scales as its model card)
// trained with A2Q at a few budgets, alone or with the same pruning, and for the published models
// themselves: the circuit bits under worst-case and calibration sizing, the rounding the compiler
// picks (`roundBits: 'auto'`, its PBS count and predicted time), and the accuracy fake-quantized
// and of the simulated circuits on the full 10,000 test images.
//
// Usage (from the repository root; the tsconfig maps the workspace packages to their sources):
//   npx tsx --tsconfig tsconfig.check.json packages/training/bench/a2q.ts [--only id,id] [--runs DIR] [--render]
// Trained graphs go to DIR/<id>/ (default /tmp/fhenet-a2q-runs) and are reused when present;
// results are merged into bench/A2Q-RESULTS.json (one record per id) and rendered to
// bench/A2Q-RESULTS.md. `--render` only re-renders the Markdown from the JSON.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@fhenet/datasets';
import { compile, type CompileOptions } from '@fhenet/compiler';
import { simulatedAccuracy } from '@fhenet/circuit';
import { graphAccumulators, loadTrainedGraph, runTraining, type A2qOptions, type TrainedGraph } from '@fhenet/training';
import type { ModelName } from '@fhenet/training/format';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const JSON_FILE = join(HERE, 'A2Q-RESULTS.json');
const MD_FILE = join(HERE, 'A2Q-RESULTS.md');
const RUNS = arg('runs') ?? '/tmp/fhenet-a2q-runs';

/** One published configuration: its model card's training settings and its paper row. */
interface Base {
  readonly published: string;
  readonly model: ModelName;
  readonly range: 'narrow' | 'wide';
  readonly active: number;
  readonly epochs: number;
  readonly lr: number;
  readonly batch: number;
  readonly perChannel: boolean;
  /** Table 1 of the paper: circuit bit-width and accuracy. */
  readonly paper: { readonly bits: number; readonly accuracy: number };
}

const BASES: Record<string, Base> = {
  'narrow-150': {
    published: 'mnist-fcnn-narrow-150',
    model: 'fcnn',
    range: 'narrow',
    active: 150,
    epochs: 20,
    lr: 0.005,
    batch: 128,
    perChannel: false,
    paper: { bits: 6, accuracy: 0.922 },
  },
  'wide-90': {
    published: 'mnist-fcnn-wide-90',
    model: 'fcnn',
    range: 'wide',
    active: 90,
    epochs: 20,
    lr: 0.005,
    batch: 128,
    perChannel: true,
    paper: { bits: 7, accuracy: 0.965 },
  },
  'wide-190': {
    published: 'mnist-fcnn-wide-190',
    model: 'fcnn',
    range: 'wide',
    active: 190,
    epochs: 20,
    lr: 0.005,
    batch: 128,
    perChannel: false,
    paper: { bits: 8, accuracy: 0.971 },
  },
  lenet: {
    published: 'mnist-lenet-wide-190',
    model: 'lenet',
    range: 'wide',
    active: 190,
    epochs: 6,
    lr: 0.005,
    batch: 64,
    perChannel: false,
    paper: { bits: 8, accuracy: 0.976 },
  },
  cnn6: {
    published: 'mnist-cnn6-wide-190',
    model: 'cnn6',
    range: 'wide',
    active: 190,
    epochs: 2,
    lr: 0.005,
    batch: 64,
    perChannel: false,
    paper: { bits: 8, accuracy: 0.987 },
  },
};

/** A run: a base configuration, trained with A2Q (and/or its pruning, requantized pools), or the published model itself. */
interface Config {
  readonly id: string;
  readonly base: keyof typeof BASES;
  /** With neither prune nor poolQuantizer: absent = the published model, not retrained. */
  readonly a2q?: A2qOptions;
  /** Keep the base's pruning (active synapses). */
  readonly prune?: boolean;
  /** Requantize after every average pool (zoo.ts poolQuantizer). */
  readonly poolQuantizer?: boolean;
  readonly ramp?: number;
  readonly perChannel?: boolean;
}

const a2q = (p: number, classifier?: number): A2qOptions => ({ accumulatorBits: p, ...(classifier ? { layers: { classifier } } : {}) });

/**
 * The grid: each budget alone ("A2Q P": every layer P, the paper's A2Q), the classifier one bit wider
 * (decoded in the clear, that bit is free in the circuit), with the card's pruning, per-channel
 * scales, no ramp, and for the convnets requantized pools (with and without A2Q).
 */
const CONFIGS: Config[] = [
  { id: 'narrow-150/published', base: 'narrow-150' },
  { id: 'narrow-150/a2q6', base: 'narrow-150', a2q: a2q(6) },
  { id: 'narrow-150/a2q6-cls7', base: 'narrow-150', a2q: a2q(6, 7) },
  { id: 'narrow-150/a2q7', base: 'narrow-150', a2q: a2q(7) },
  { id: 'narrow-150/a2q7+prune', base: 'narrow-150', a2q: a2q(7), prune: true },
  { id: 'narrow-150/a2q8', base: 'narrow-150', a2q: a2q(8) },
  { id: 'wide-90/published', base: 'wide-90' },
  { id: 'wide-90/a2q7', base: 'wide-90', a2q: a2q(7) },
  { id: 'wide-90/a2q7-cls8', base: 'wide-90', a2q: a2q(7, 8) },
  { id: 'wide-90/a2q8', base: 'wide-90', a2q: a2q(8) },
  { id: 'wide-90/a2q8+prune', base: 'wide-90', a2q: a2q(8), prune: true },
  { id: 'wide-90/a2q9', base: 'wide-90', a2q: a2q(9) },
  { id: 'wide-190/published', base: 'wide-190' },
  { id: 'wide-190/a2q8', base: 'wide-190', a2q: a2q(8) },
  { id: 'wide-190/a2q8-cls9', base: 'wide-190', a2q: a2q(8, 9) },
  { id: 'wide-190/a2q8-perchannel', base: 'wide-190', a2q: a2q(8), perChannel: true },
  { id: 'wide-190/a2q9', base: 'wide-190', a2q: a2q(9) },
  { id: 'wide-190/a2q9+prune', base: 'wide-190', a2q: a2q(9), prune: true },
  { id: 'wide-190/a2q10', base: 'wide-190', a2q: a2q(10) },
  { id: 'lenet/published', base: 'lenet' },
  { id: 'lenet/pq+prune', base: 'lenet', prune: true, poolQuantizer: true },
  { id: 'lenet/a2q9', base: 'lenet', a2q: a2q(9) },
  { id: 'lenet/a2q10', base: 'lenet', a2q: a2q(10) },
  { id: 'lenet/a2q8-pq', base: 'lenet', a2q: a2q(8), poolQuantizer: true },
  { id: 'lenet/a2q9-pq', base: 'lenet', a2q: a2q(9), poolQuantizer: true },
  { id: 'lenet/a2q8-pq+prune', base: 'lenet', a2q: a2q(8), poolQuantizer: true, prune: true },
  { id: 'cnn6/published', base: 'cnn6' },
  { id: 'cnn6/pq+prune', base: 'cnn6', prune: true, poolQuantizer: true },
  { id: 'cnn6/a2q9', base: 'cnn6', a2q: a2q(9) },
  { id: 'cnn6/a2q10', base: 'cnn6', a2q: a2q(10) },
  { id: 'cnn6/a2q8-pq', base: 'cnn6', a2q: a2q(8), poolQuantizer: true },
  { id: 'cnn6/a2q9-pq', base: 'cnn6', a2q: a2q(9), poolQuantizer: true },
  { id: 'cnn6/a2q8-pq+prune', base: 'cnn6', a2q: a2q(8), poolQuantizer: true, prune: true },
];

interface SizingResult {
  readonly bits: number;
  /** The rounding `roundBits: 'auto'` chose: k per stage, PBS per inference, predicted ms (1 thread), parameter set. */
  readonly roundBits: readonly number[];
  readonly pbs: number;
  readonly predictedMs: number | null;
  readonly set: string | null;
  /** Accuracy of the simulated circuits on the test images: unrounded, and with the chosen rounding. */
  readonly accuracyUnrounded: number;
  readonly accuracyRounded: number;
  /**
   * Calibration sizing only: every rounding the compiler priced (the same k on every lookup stage;
   * PBS, predicted ms, or why no parameters) with its simulated accuracy (null: not simulated, for
   * those without parameters or over twice the predicted time of auto's choice), so that a rounding
   * at equal accuracy can be read off when the cheapest one loses some.
   */
  readonly candidates?: readonly { roundBits: readonly number[]; pbs: number; predictedMs: number | null; accuracy: number; error?: string }[];
  readonly error?: string;
}

interface Result {
  readonly id: string;
  readonly base: string;
  readonly kind: 'published' | 'trained';
  readonly a2q: A2qOptions | null;
  readonly pruning: number | null;
  readonly perChannel: boolean;
  readonly poolQuantizer: boolean;
  readonly ramp: number | null;
  readonly fakeQuantAccuracy: number;
  /** Per linear layer: max L1 of a channel's integer weights, worst-case bits of its widest channel, A2Q budget. */
  readonly layers: readonly { name: string; maxL1: number; spanBits: number; activeSynapses: number; budget: number | null }[];
  readonly worstCase: SizingResult;
  readonly calibration: SizingResult;
  /** Training seconds per epoch (from the graph's record; the machine's load varies). */
  readonly secondsPerEpoch: number | null;
  readonly date: string;
  readonly load: readonly number[];
}

function readResults(): Record<string, Result> {
  return existsSync(JSON_FILE) ? (JSON.parse(readFileSync(JSON_FILE, 'utf8')) as { results: Record<string, Result> }).results : {};
}

/** The `fhenet train` command line of a config. */
function trainCommand(c: Config, dir: string): string {
  const b = BASES[c.base]!;
  const layers = Object.entries(c.a2q?.layers ?? {}).map(([k, v]) => `${k}=${v ?? 'none'}`);
  return [
    `fhenet train --model ${b.model} --weight-bits 2 --act-bits 2 --range ${b.range} --epochs ${b.epochs} --lr ${b.lr} --batch-size ${b.batch} --seed 1`,
    ...((c.perChannel ?? b.perChannel) ? ['--per-channel'] : []),
    ...(c.prune ? [`--active ${b.active}`] : []),
    ...(c.a2q ? [`--a2q-bits ${c.a2q.accumulatorBits}`] : []),
    ...(layers.length > 0 ? [`--a2q-layer-bits ${layers.join(',')}`] : []),
    ...(c.ramp !== undefined ? [`--a2q-ramp ${c.ramp}`] : []),
    ...(c.poolQuantizer ? ['--pool-quant'] : []),
    `--out ${dir}`,
  ].join(' ');
}

async function trainConfig(c: Config, dir: string): Promise<void> {
  const b = BASES[c.base]!;
  await runTraining({
    model: b.model,
    dataset: 'mnist',
    weightBits: 2,
    actBits: 2,
    range: b.range,
    perChannel: c.perChannel ?? b.perChannel,
    ...(c.prune ? { activeSynapses: b.active } : {}),
    ...(c.a2q ? { a2q: c.a2q } : {}),
    ...(c.ramp !== undefined ? { a2qRampFraction: c.ramp } : {}),
    ...(c.poolQuantizer ? { poolQuantizer: true } : {}),
    epochs: b.epochs,
    batchSize: b.batch,
    learningRate: b.lr,
    seed: 1,
    out: dir,
    command: trainCommand(c, dir),
    progressSeconds: 600,
    log: (l) => console.log(`  ${l}`),
    onEpoch: (e) => console.log(`  epoch ${e.epoch}/${e.epochs} test ${(100 * e.testAccuracy).toFixed(2)}% ${e.seconds.toFixed(0)} s`),
  });
}

const calibrationSet = loadMnist({ split: 'train', limit: 10_000 });
const testSet = loadMnist({ split: 'test' });

function measureSizing(graph: TrainedGraph, opts: CompileOptions, everyRounding: boolean): SizingResult {
  try {
    const { circuit, report, unrounded, candidates } = compile(graph, { ...opts, roundBits: 'auto', pError: 1e-6 });
    const acc = (c: typeof circuit) => simulatedAccuracy(c, testSet.images, testSet.labels, testSet.count).accuracy;
    const accuracyUnrounded = acc(unrounded);
    const rounded = report.stages.some((s) => s.roundBits > 0);
    const p = report.parameters;
    const priced = everyRounding
      ? report.roundingCandidates.map((cand, i) => ({
          roundBits: cand.roundBits,
          pbs: cand.pbsCount,
          predictedMs: cand.inferenceMs ?? null,
          // Simulated only if it can run (has parameters) and costs at most twice auto's choice.
          accuracy:
            cand.inferenceMs === undefined || cand.inferenceMs > 2 * (report.predictedInferenceMs ?? Infinity)
              ? NaN
              : candidates[i] === unrounded
                ? accuracyUnrounded
                : acc(candidates[i]!),
          ...(cand.error ? { error: cand.error.slice(0, 120) } : {}),
        }))
      : undefined;
    return {
      ...(priced ? { candidates: priced } : {}),
      bits: report.bits,
      roundBits: report.stages.map((s) => s.roundBits),
      pbs: report.pbsCount,
      predictedMs: report.predictedInferenceMs ?? null,
      set: 'error' in p ? null : p.parameters.set.name,
      accuracyUnrounded,
      accuracyRounded: rounded ? acc(circuit) : accuracyUnrounded,
      ...('error' in p ? { error: p.error } : {}),
    };
  } catch (e) {
    return { bits: NaN, roundBits: [], pbs: 0, predictedMs: null, set: null, accuracyUnrounded: NaN, accuracyRounded: NaN, error: (e as Error).message };
  }
}

async function measure(c: Config): Promise<Result> {
  const b = BASES[c.base]!;
  const trained = c.a2q !== undefined || c.prune === true || c.poolQuantizer === true;
  let dir = join(ROOT, 'models', b.published);
  if (trained) {
    dir = join(RUNS, c.id.replace('/', '-'));
    if (!existsSync(join(dir, 'graph.json'))) await trainConfig(c, dir);
  }
  const graph = loadTrainedGraph(dir);
  if (graph.training.status) throw new Error(`${dir}: a partial run (${String(graph.training.status)}); delete it to retrain`);
  const accs = graphAccumulators(graph);
  console.log(`  compiling ${c.id} (worst case, then calibration)...`);
  const worstCase = measureSizing(graph, { sizing: 'worstCase' }, false);
  const calibration = measureSizing(graph, { calibration: { raw: calibrationSet.images, count: calibrationSet.count } }, true);
  return {
    id: c.id,
    base: c.base,
    kind: trained ? 'trained' : 'published',
    a2q: c.a2q ?? null,
    pruning: trained && !c.prune ? null : b.active,
    perChannel: c.perChannel ?? b.perChannel,
    poolQuantizer: c.poolQuantizer ?? false,
    ramp: c.ramp ?? null,
    fakeQuantAccuracy: graph.training.testAccuracy as number,
    layers: accs.map((a) => ({ name: a.name, maxL1: a.maxL1, spanBits: a.spanBits, activeSynapses: a.maxActiveSynapses, budget: a.accumulatorBits ?? null })),
    worstCase,
    calibration,
    secondsPerEpoch: typeof graph.training.secondsPerEpoch === 'number' ? graph.training.secondsPerEpoch : null,
    date: new Date().toISOString(),
    load: loadavg().map((l) => Math.round(l * 10) / 10),
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '-');
const ks = (r: readonly number[]) => (r.length === 0 ? '-' : r.every((k) => k === r[0]) ? `${r[0]}` : r.join(','));
const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}`);

/** "wide-190 A2Q 8 (classifier 9) + prune 190 + requantized pools, per-channel scales, no ramp". */
function configName(r: Result): string {
  const parts: string[] = [];
  if (r.a2q) {
    const cls = r.a2q.layers?.classifier;
    parts.push(`A2Q ${r.a2q.accumulatorBits}${cls ? ` (classifier ${cls})` : ''}`);
  }
  if (r.pruning) parts.push(`prune ${r.pruning}`);
  if (r.poolQuantizer) parts.push('requantized pools');
  const extra = [
    ...(r.perChannel !== BASES[r.base]!.perChannel ? [r.perChannel ? 'per-channel scales' : 'per-tensor scales'] : []),
    ...(r.ramp === 0 ? ['no ramp'] : []),
  ];
  return `${r.base} ${parts.join(' + ')}${extra.length > 0 ? `, ${extra.join(', ')}` : ''}`;
}

function render(results: Record<string, Result>): string {
  const rows = CONFIGS.map((c) => results[c.id]).filter((r): r is Result => r !== undefined);
  const lines: string[] = [];
  lines.push('# Accumulator-aware training (A2Q) vs the published L1-pruned MNIST models');
  lines.push('');
  lines.push('Rendered from `A2Q-RESULTS.json` by `npx tsx --tsconfig tsconfig.check.json packages/training/bench/a2q.ts --render`;');
  lines.push('measured by the same command without `--render` (docs/training.md, "Accumulator-aware training").');
  lines.push(`Machine: ${cpus().length} cores shared with other engineers; load average at each measurement in the JSON.`);
  lines.push('');
  lines.push("Every A2Q run uses the published model card's settings (model, range, weight scales, epochs, learning");
  lines.push('rate, batch, seed 1); "A2Q P" constrains every dense/conv layer to P-bit worst-case accumulators,');
  lines.push('"+ prune" keeps the card\'s L1 pruning too. Circuit bits: `compile` with worst-case sizing (exact for');
  lines.push('every input) and calibration sizing (10,000 training images, as the paper and the published circuits).');
  lines.push("Rounding: the compiler's `roundBits: 'auto'` (k per lookup stage, the PBS count per image and the");
  lines.push('predicted single-thread KS+PBS time). Accuracies on all 10,000 MNIST test images: fake-quantized (training),');
  lines.push('and the simulated circuits (bit-exact with encrypted inference) unrounded and with the chosen rounding.');
  lines.push('');
  lines.push(
    '| config | paper bits / acc | layers: max L1 (worst-case bits) | fake-quant | worst case: bits, k, PBS, s, acc | calibration: bits, k, PBS, s | calib. acc unrounded / rounded |',
  );
  lines.push('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const b = BASES[r.base]!;
    const name = r.kind === 'published' ? `**${r.base} published** (prune ${r.pruning})` : configName(r);
    const layers = r.layers.map((l) => `${l.maxL1} (${l.spanBits})`).join(', ');
    const w = r.worstCase,
      cal = r.calibration;
    const sz = (s: SizingResult) =>
      s.error && s.set === null
        ? `${Number.isFinite(s.bits) ? s.bits : '-'}: ${s.error.slice(0, 60)}`
        : `${s.bits}, k=${ks(s.roundBits)}, ${s.pbs}, ${secs(s.predictedMs)}`;
    lines.push(
      `| ${name} | ${b.paper.bits} / ${pct(b.paper.accuracy)} | ${layers} | ${pct(r.fakeQuantAccuracy)} | ${sz(w)}, ${pct(w.accuracyRounded)} | ${sz(cal)} | ${pct(cal.accuracyUnrounded)} / ${pct(cal.accuracyRounded)} |`,
    );
  }
  lines.push('');
  lines.push('## The narrowest circuit at equal accuracy');
  lines.push('');
  lines.push('Per configuration, among the retrained variants, the circuit with the fewest calibration-sized bits');
  lines.push('(then the least predicted time) whose simulated accuracy on the 10,000 test images, with the cheapest');
  lines.push("rounding the compiler priced that keeps it (any k, not only `auto`'s), is at least the published model's");
  lines.push("circuit's (as compiled with `auto`), and at least the paper's Table 1 row (below our published models'");
  lines.push("accuracy on the FCNN and LeNet rows). Predicted time: the cost model's single-thread KS+PBS seconds.");
  lines.push('');
  lines.push("| config | paper | published circuit | >= published's accuracy | >= paper's accuracy |");
  lines.push('|---|---|---|---|---|');
  interface Pick {
    readonly r: Result;
    readonly k: readonly number[];
    readonly pbs: number;
    readonly ms: number | null;
    readonly accuracy: number;
  }
  /** The cheapest priced rounding of r's calibration circuit with accuracy >= min. */
  const cheapest = (r: Result, min: number): Pick | undefined => {
    const cands = r.calibration.candidates ?? [
      { roundBits: r.calibration.roundBits, pbs: r.calibration.pbs, predictedMs: r.calibration.predictedMs, accuracy: r.calibration.accuracyRounded },
    ];
    return cands
      .filter((c) => c.predictedMs !== null && typeof c.accuracy === 'number' && c.accuracy >= min)
      .map((c) => ({ r, k: c.roundBits, pbs: c.pbs, ms: c.predictedMs, accuracy: c.accuracy }))
      .sort((x, y) => x.ms! - y.ms!)[0];
  };
  const cell = (p: Pick | undefined) =>
    p === undefined ? 'none' : `${p.r.calibration.bits} bits, k=${ks(p.k)}, ${p.pbs} PBS, ${secs(p.ms)} s, ${pct(p.accuracy)}: ${configName(p.r)}`;
  for (const [base, b] of Object.entries(BASES)) {
    const pub = rows.find((r) => r.base === base && r.kind === 'published');
    if (pub === undefined) continue;
    const tried = rows.filter((r) => r.base === base && r.kind === 'trained' && Number.isFinite(r.calibration.bits));
    const best = (min: number) =>
      tried
        .map((r) => cheapest(r, min))
        .filter((p): p is Pick => p !== undefined)
        .sort((x, y) => x.r.calibration.bits - y.r.calibration.bits || x.ms! - y.ms!)[0];
    const pc = pub.calibration;
    lines.push(
      `| ${base} | ${b.paper.bits} bits, ${pct(b.paper.accuracy)} | ${pc.bits} bits, k=${ks(pc.roundBits)}, ${pc.pbs} PBS, ${secs(pc.predictedMs)} s, ${pct(pc.accuracyRounded)} | ${cell(best(pc.accuracyRounded))} | ${cell(best(b.paper.accuracy))} |`,
    );
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

if (process.argv.includes('--render')) {
  writeFileSync(MD_FILE, render(readResults()));
  console.log(`wrote ${MD_FILE}`);
} else {
  const only = arg('only')?.split(',');
  const todo = CONFIGS.filter((c) => (only ? only.includes(c.id) : true));
  for (const c of todo) {
    console.log(`${c.id}  (${new Date().toISOString()}, load ${loadavg()[0]!.toFixed(1)})`);
    const r = await measure(c);
    const all = readResults();
    all[c.id] = r;
    writeFileSync(JSON_FILE, `${JSON.stringify({ bench: 'packages/training/bench/a2q.ts', results: all }, null, 1)}\n`);
    writeFileSync(MD_FILE, render(all));
    console.log(
      `  ${c.id}: fake-quant ${pct(r.fakeQuantAccuracy)}; worst case ${r.worstCase.bits} bits k=${ks(r.worstCase.roundBits)} ${pct(r.worstCase.accuracyRounded)}; ` +
        `calibration ${r.calibration.bits} bits k=${ks(r.calibration.roundBits)} ${r.calibration.pbs} PBS ${pct(r.calibration.accuracyUnrounded)} / ${pct(r.calibration.accuracyRounded)}`,
    );
  }
}
