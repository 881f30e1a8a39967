// Numbers of docs/streaming-plan.md: the memory model (src/inference/memory.ts) of the committed
// circuits and of VGG-9 on CIFAR-10 at 2/2 and 6/6 bits, today's executor and the streaming
// variants. Run: npx tsx packages/executor/bench/memory-plan.ts [extra circuit.json ...]
// (pure arithmetic: no keys, no encryption; a few seconds).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCircuit } from '@fhenet/circuit';
import {
  keySizes,
  log2PFailWithin,
  optimizeParameters,
  predictedPbsMs,
  stageDecisions,
  varKeyswitch,
  varModulusSwitch,
  varPbs,
  type PbsDecision,
  type TfheParameterSet,
} from '@fhenet/params';
import { defaultMemoryLimit, formatBytes, modelExecutionMemory, planCircuit, type CircuitPlan, type MemoryModel } from '@fhenet/executor';

const _GiB = 2 ** 30;
const THREADS = 2;
const BUDGET = defaultMemoryLimit(); // predict's default: 80% of this machine's RAM
const fmt = formatBytes;
const setText = (s: TfheParameterSet) =>
  `n=${s.lweDimension} k=${s.glweDimension} N=${s.polynomialSize} PBS ${s.pbs.baseLog}/${s.pbs.levelCount} KS ${s.keyswitch.baseLog}/${s.keyswitch.levelCount}`;

function summary(name: string, m: MemoryModel): void {
  const peak = m.stages[m.peakStage]!;
  console.log(
    `| ${name} | ${setText(m.params)} | ${fmt(m.ciphertextBytes)} | ${fmt(m.keyBytes.total)} | ${peak.name} (${peak.peakPhase}) ${fmt(peak.ciphertextPeakBytes)} | ${fmt(m.peakBytes)} | ${fmt(m.keySetupPeakBytes)} | ${Math.max(m.peakBytes, m.keySetupPeakBytes) <= BUDGET ? 'yes' : '**no**'} |`,
  );
}

function stageTable(name: string, m: MemoryModel): void {
  console.log(
    `\n${name} per stage (1 sample):\n\n| stage | in / out ciphertexts | output tensor | live ciphertexts at peak (phase) | stage peak incl. scratch |\n|---|---|---|---|---|`,
  );
  for (const s of m.stages)
    console.log(
      `| ${s.name} | ${s.inputs} / ${s.outputs} | ${fmt(s.accumulatorBytes)} | ${fmt(s.ciphertextPeakBytes)} (${s.peakPhase}) | ${fmt(s.peakBytes)} |`,
    );
}

// ---- committed circuits ----
console.log(
  `## Committed circuits (predict in-process: 1 sample, 2 threads, inputs released after stage 0, fresh keys expanded in place; default budget ${fmt(BUDGET)})\n`,
);
console.log(
  '| circuit | set | ciphertext | keys (BSK+KSK) | peak stage: live ciphertexts | execution peak | key setup peak | fits the default budget |\n|---|---|---|---|---|---|---|---|',
);
const circuits: [string, CircuitPlan][] = [];
for (const dir of readdirSync('models').sort()) {
  const file = join('models', dir, 'circuit.json');
  if (existsSync(file)) circuits.push([dir, planCircuit(loadCircuit(file))]);
}
for (const file of process.argv.slice(2)) circuits.push([file, planCircuit(loadCircuit(file))]);
const models = circuits.map(([n, p]) => [n, modelExecutionMemory(p, { threads: THREADS, releaseInputs: true, seededCopies: 1 })] as const);
for (const [n, m] of models) summary(n, m);
for (const [n, m] of models) if (m.stages.length > 3) stageTable(n, m);

// ---- VGG-9 on CIFAR-10: shapes (conv 3x3 same, avg pool 2x2 as a sum-pool stage, as the zoo) ----
interface Shape {
  name: string;
  inputs: number;
  outputs: number;
  channels: number;
  taps: number;
  lookup: boolean;
  /** Row tiling: ciphertexts per input row, per output row, input rows read per output row. */
  inRow: number;
  outRow: number;
  window: number;
}
function vggShapes(active: number): Shape[] {
  const out: Shape[] = [];
  let [h, w, c] = [32, 32, 3];
  let convs = 0;
  let pools = 0;
  for (const l of ['c64', 'c64', 'p', 'c128', 'c128', 'p', 'c256', 'c256', 'p']) {
    const inputs = h * w * c;
    const inRow = w * c;
    if (l === 'p') {
      [h, w] = [h / 2, w / 2];
      out.push({ name: `pool${++pools}`, inputs, outputs: h * w * c, channels: c, taps: 4, lookup: true, inRow, outRow: w * c, window: 2 });
    } else {
      const f = Number(l.slice(1));
      out.push({
        name: `conv${++convs}`,
        inputs,
        outputs: h * w * f,
        channels: f,
        taps: Math.min(active, 9 * c),
        lookup: true,
        inRow,
        outRow: w * f,
        window: 3,
      });
      c = f;
    }
  }
  let n = h * w * c;
  for (const [i, u] of [512, 512, 10].entries()) {
    out.push({
      name: i === 2 ? 'classifier' : `dense${i + 1}`,
      inputs: n,
      outputs: u,
      channels: u,
      taps: Math.min(active, n),
      lookup: i < 2,
      inRow: n,
      outRow: u,
      window: 1,
    });
    n = u;
  }
  return out;
}

/** A plan with the right sizes but no arrays (the model reads only lengths and byte lengths). */
function syntheticPlan(set: TfheParameterSet, shapes: Shape[], roundBits: number): CircuitPlan {
  const arr = (length: number, bytes: number) => ({ length, byteLength: length * bytes });
  const stages = shapes.map((s) => ({
    name: s.name,
    inputSize: s.inputs,
    outputSize: s.outputs,
    weights: { rows: s.outputs, cols: s.inputs, indptr: arr(s.outputs + 1, 4), indices: arr(s.outputs * s.taps, 4), values: arr(s.outputs * s.taps, 4) },
    offset: arr(s.outputs, 4),
    tableIndex: arr(s.outputs, 4),
    tables: s.lookup ? Array.from({ length: s.channels }) : null,
    extractions: s.lookup ? Array.from({ length: roundBits - 1 }, () => ({ outputs: null })) : [],
  }));
  return { params: set, inputSize: shapes[0]!.inputs, stages } as unknown as CircuitPlan;
}

interface Config {
  name: string;
  bits: number;
  roundBits: number;
  nu: number;
}
// Assumptions (stated in the doc): 190 active synapses per neuron as the committed MNIST models;
// 2/2: accumulators calibrated to 11 bits (LeNet / CNN6 compile to 10), lookups on 5 bits;
// 6/6: the message space capped at 15 bits (N = 2^15 is the largest N the rounded optimizer
// reaches for it), lookups on 8 bits (the published sets' ceiling), nu 255 (6-bit weights).
const configs: Config[] = [
  { name: 'VGG-9 2/2', bits: 11, roundBits: 6, nu: 17 },
  { name: 'VGG-9 6/6', bits: 15, roundBits: 7, nu: 255 },
];
const P_ERROR = 1e-6;

function decisionsOf(c: Config, shapes: Shape[]): PbsDecision[] {
  return shapes.flatMap((s) =>
    stageDecisions({ name: s.name, messageBits: c.bits, nu: c.nu, roundBits: s.lookup ? c.roundBits : 0, outputs: s.outputs, clearDecode: !s.lookup }),
  );
}

console.log('\n## VGG-9 on CIFAR-10 (32x32x3; conv 64,64,128,128,256,256 + dense 512,512,10; 190 active synapses)\n');
for (const c of configs) {
  const shapes = vggShapes(190);
  const decisions = decisionsOf(c, shapes);
  const pbs = decisions.reduce((n, d) => n + d.count, 0);
  const r = optimizeParameters({ messageBits: c.bits, maxNu: c.nu, decisions, log2PFailPerPbs: { pErrorPerInference: P_ERROR, pbsCount: pbs } });
  const set = r.set;
  const ms = predictedPbsMs(r.cost);
  const m = modelExecutionMemory(syntheticPlan(set, shapes, c.roundBits), { threads: THREADS, releaseInputs: true, seededCopies: 1 });
  console.log(`### ${c.name}: ${c.bits}-bit message space, lookups on ${c.bits - c.roundBits} bits (round ${c.roundBits}), nu ${c.nu}\n`);
  console.log(
    `Set (optimizer, p_error ${P_ERROR} per inference over ${pbs.toLocaleString('en')} PBS, target log2 p_fail ${r.targetLog2PFail.toFixed(1)} per PBS): ${set.name}, ${setText(set)}; predicted ${ms.toFixed(1)} ms per KS+PBS on one idle core, ~${((pbs * ms) / 1000 / THREADS / 3600).toFixed(1)} h per image on 2 cores.\n`,
  );
  console.log(
    '| circuit | set | ciphertext | keys (BSK+KSK) | peak stage: live ciphertexts | execution peak | key setup peak | fits the default budget |\n|---|---|---|---|---|---|---|---|',
  );
  summary(`${c.name}, today's executor`, m);
  stageTable(`${c.name}, today's executor`, m);

  // Variant: outputs keyswitched to the small key for storage (PBS then KS). Every tensor is
  // (n+1) words; linear ops run under the small key; a PBS needs no keyswitch first, its output
  // is keyswitched once. Big-key ciphertexts exist only per PBS group (thread scratch).
  const small = (set.lweDimension + 1) * 8;
  const smallPeaks = m.stages.map((s) => ({ name: s.name, bytes: (s.ciphertextPeakBytes / m.ciphertextBytes) * small }));
  const worst = smallPeaks.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const smallPeak =
    m.keyBytes.total + m.planBytes + m.threadScratchBytes + worst.bytes + (m.stages[m.peakStage]!.peakBytes - m.stages[m.peakStage]!.ciphertextPeakBytes);
  // Noise: every stored value now carries Var_PBS + Var_KS into the next dot product (times
  // nu^2 or 4^(p-i) nu^2), and a decision adds only the modulus switch.
  const log2Worst = (s: TfheParameterSet) =>
    Math.max(
      ...decisions
        .filter((d) => d.kind !== 'clear')
        .map((d) => log2PFailWithin(d.tolerance, d.inputFactor * (varPbs(s) + varKeyswitch(s)) + varModulusSwitch(s, s.modulusSwitch))),
    );
  const target = r.targetLog2PFail;
  let ks = set;
  for (let l = set.keyswitch.levelCount; l <= 24 && log2Worst(ks) > target; l++) {
    let best = ks;
    for (let b = 1; b * l <= 64; b++) {
      const cand = { ...set, keyswitch: { baseLog: b, levelCount: l } };
      if (log2Worst(cand) < log2Worst(best)) best = cand;
    }
    ks = best;
  }
  const ksSizes = keySizes(ks);
  const ksNote = log2Worst(ks) <= target ? `KS ${ks.keyswitch.baseLog}/${ks.keyswitch.levelCount}` : 'no KS decomposition meets it (needs a new set)';
  console.log(
    `\nSmall-key storage (PBS then keyswitch): ciphertexts ${fmt(small)} instead of ${fmt(m.ciphertextBytes)}; largest live set ${fmt(worst.bytes)} at ${worst.name}; ` +
      `execution peak ~${fmt(smallPeak)} (keys unchanged). Noise: worst decision log2 p_fail ${log2Worst(set).toFixed(1)} with the same set vs target ${target.toFixed(1)} ` +
      `(today ${r.log2PFail.toFixed(1)}); meeting it: ${ksNote}, KSK ${fmt(ksSizes.keyswitchKeyBytes)} (was ${fmt(keySizes(set).keyswitchKeyBytes)}).`,
  );
  // Variant: spatial tiling of today's big-key tensors: a band of output rows as accumulators.
  const conv1 = m.stages[0]!;
  const rowBytes = (conv1.accumulatorBytes / 32) * 3; // one output row of conv1, three live copies (extraction)
  console.log(
    `Spatial tiling alone (big-key tensors): the full output of conv1 is ${fmt(conv1.accumulatorBytes)} and must stay alive for conv2, ` +
      `so even with one band of output rows alive (${fmt(rowBytes)} for one row in extraction) the stage needs keys ${fmt(m.keyBytes.total)} + ` +
      `output ${fmt(conv1.accumulatorBytes)} + input ${fmt(conv1.inputBytes)} + band = ${fmt(m.keyBytes.total + conv1.accumulatorBytes + conv1.inputBytes + rowBytes)}.`,
  );
  // Variant: spill every stage's output to disk (LweCiphertextBatch.serialize per band of output
  // rows) and run each stage band by band: in memory only the input rows one output row reads,
  // that row's accumulators (x3 during extraction) and its PBS outputs until written.
  const ct = m.ciphertextBytes;
  const bandPeaks = shapes.map((sh) => ({ name: sh.name, bytes: (sh.window * sh.inRow + (sh.lookup ? 3 : 1) * sh.outRow) * ct }));
  const band = bandPeaks.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const spill = shapes.reduce((n, sh) => n + sh.outputs * ct, 0);
  console.log(
    `Spill + row bands (big-key tensors on disk, one output row per step): largest band set ${fmt(band.bytes)} at ${band.name}; execution peak ~${fmt(m.keyBytes.total + m.threadScratchBytes + band.bytes)}; ` +
      `${fmt(spill)} written and read back per image (${(spill / 2e9).toFixed(0)} s at 2 GB/s).`,
  );
  bandedRows(c.name, set, shapes, c.roundBits, m);
  const bsk = m.keyBytes.bootstrap;
  console.log(
    `Keys streamed from disk per PBS group (group ${8} x ${THREADS} threads): ${fmt(bsk)} of BSK read per ${8 * THREADS} PBS, ` +
      `${fmt(bsk / (8 * THREADS))} per PBS; at 2 GB/s that is ${((bsk / (8 * THREADS) / 2e9) * 1000).toFixed(0)} ms of I/O per PBS against ${ms.toFixed(0)} ms of compute.\n`,
  );
}

/**
 * A plan whose CSR rows read the right input ranges (conv 3x3 same: rows i-1..i+1, columns
 * j-1..j+1, all channels; pool 2x2: its window; dense: all inputs) with 2 entries per row (the
 * range's ends): what banding needs (bands.ts reads each row's range). The band CSR scratch is then
 * underestimated (2 entries instead of up to 190 per row: under 10 MiB per band at VGG sizes).
 */
function rowRangePlan(set: TfheParameterSet, shapes: Shape[], roundBits: number): CircuitPlan {
  let [h, w] = [32, 32];
  const stages = shapes.map((s) => {
    const inC = s.inRow === s.inputs ? s.inputs : s.inRow / w; // dense: one "row"
    const indptr = new Uint32Array(s.outputs + 1);
    const indices = new Uint32Array(2 * s.outputs);
    for (let o = 0; o < s.outputs; o++) {
      let lo: number;
      let hi: number;
      if (s.window === 1) {
        [lo, hi] = [0, s.inputs - 1];
      } else if (s.window === 3) {
        const px = Math.floor(o / s.channels);
        const [i, j] = [Math.floor(px / w), px % w];
        lo = (Math.max(0, i - 1) * w + Math.max(0, j - 1)) * inC;
        hi = (Math.min(h - 1, i + 1) * w + Math.min(w - 1, j + 1)) * inC + inC - 1;
      } else {
        const px = Math.floor(o / s.channels);
        const ch = o % s.channels;
        const ow = w / 2;
        const [i, j] = [Math.floor(px / ow), px % ow];
        lo = (2 * i * w + 2 * j) * inC + ch;
        hi = ((2 * i + 1) * w + 2 * j + 1) * inC + ch;
      }
      indices[2 * o] = lo;
      indices[2 * o + 1] = hi;
      indptr[o + 1] = 2 * o + 2;
    }
    if (s.window === 2) [h, w] = [h / 2, w / 2];
    const tableIndex = Uint32Array.from({ length: s.outputs }, (_, o) => o % s.channels);
    return {
      name: s.name,
      inputSize: s.inputs,
      outputSize: s.outputs,
      weights: { rows: s.outputs, cols: s.inputs, indptr, indices, values: new Int32Array(2 * s.outputs).fill(1) },
      offset: new Int32Array(s.outputs),
      tableIndex,
      tables: s.lookup ? Array.from({ length: s.channels }) : null,
      extractions: s.lookup ? Array.from({ length: roundBits - 1 }, () => ({ outputs: null })) : [],
    };
  });
  return { params: set, inputSize: shapes[0]!.inputs, circuit: { name: 'vgg9' }, stages } as unknown as CircuitPlan;
}

/** The banded executor (banded.ts) on VGG-9: the largest band that fits predict's default budget, in memory and spilled. */
function bandedRows(name: string, set: TfheParameterSet, shapes: Shape[], roundBits: number, whole: MemoryModel): void {
  const plan = rowRangePlan(set, shapes, roundBits);
  const baseline = 100 * 2 ** 20; // the process before keys (predict measured ~80 MiB)
  const available = BUDGET - baseline;
  const at = (outputs: number, spill: boolean) =>
    modelExecutionMemory(plan, { threads: THREADS, releaseInputs: true, seededCopies: 1, bands: { outputs, spill } });
  const need = (m: MemoryModel) => Math.max(m.peakBytes, m.keySetupPeakBytes);
  const line = (what: string, m: MemoryModel) => {
    const peak = m.stages[m.peakStage]!;
    const disk = m.bands!.spill
      ? `; spill files: ${fmt(m.bands!.spillWrittenBytes)} written per image, at most ${fmt(m.bands!.spillPeakBytes)} on disk at once`
      : '';
    console.log(
      `| ${what} | ${fmt(peak.ciphertextPeakBytes)} at ${peak.name} (${peak.peakPhase}) | ${fmt(m.peakBytes)} | ${need(m) + baseline <= BUDGET ? 'yes' : '**no**'}${disk} |`,
    );
  };
  const largest = Math.max(...shapes.map((s) => s.outputs));
  console.log(`\nBanded executor (${name}; model of banded.ts; predict's default budget ${fmt(BUDGET)}, ${fmt(baseline)} baseline assumed):\n`);
  console.log('| execution | live ciphertexts at peak | execution peak | fits |\n|---|---|---|---|');
  console.log(
    `| whole stages (today's executor) | ${fmt(whole.stages[whole.peakStage]!.ciphertextPeakBytes)} | ${fmt(whole.peakBytes)} | ${need(whole) + baseline <= BUDGET ? 'yes' : '**no**'} |`,
  );
  const row = shapes[0]!.outRow; // one output row of conv1
  line(`bands of one conv1 output row (${row}), in memory`, at(row, false));
  line(`bands of ${row}, spilled`, at(row, true));
  // Largest power-of-two band (256 .. the largest stage) that fits: a handful of model runs (a
  // band of 1 means hundreds of thousands of bands, slow to model on a loaded machine).
  const sizes: number[] = [];
  for (let b = 256; b < largest; b *= 2) sizes.push(b);
  sizes.push(largest);
  for (const spill of [false, true]) {
    const fit = [...sizes].reverse().find((b) => need(at(b, spill)) <= available);
    if (fit === undefined) line(`bands of 256${spill ? ', spilled' : ', in memory'} (smallest tried; does not fit)`, at(256, spill));
    else line(`largest power-of-two band that fits${spill ? ', spilled' : ', in memory'}: ${fit} outputs`, at(fit, spill));
  }
}
