// Measures the single-thread CPU time of one keyswitch + PBS, in grouped batches (the engine's
// default evaluation, as inference runs it), for sets of different shapes (k, N, PBS levels, n,
// keyswitch levels): the data the cost model (src/cost.ts) is fitted to and tested against.
// Candidates are interleaved (every repeat times each set once, in rotated order) so that load
// changes on the shared machine hit all of them alike; CPU time of this process (one engine
// thread) excludes time spent descheduled.
// Usage: npx tsx packages/engine/bench/cost-measure.ts [--repeats 5] [--batch 64] [--only A,B] [--out packages/params/bench/measured-cost.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ClientKey, ServerEngine, setThreadCount, kernelVariant } from '@fhenet/engine';
import type { TfheParameterSet as EngineParameterSet } from '@fhenet/params';
import { nativeTesting, NativeObject } from '@fhenet/engine/testing';
import { decisionPbsCount, log2PFail, minSecureTUniformBoundLog2, optimizeParameters, pbsCost, publishedSet, type TfheParameterSet } from '@fhenet/params';
import { circuitDecisions } from '@fhenet/compiler';
import type { Circuit } from '@fhenet/circuit';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const repeats = Number(opt('repeats', '5'));
const batchSize = Number(opt('batch', '64'));
const only = opt('only', '').split(',').filter(Boolean);
const out = opt('out', '');

// Shapes a 7-bit rounded circuit can use (the cheapest secure set of each that carries
// models/mnist-fcnn-narrow-150's decisions at p-error 1e-6), plus published sets for range.
const circuit = JSON.parse(readFileSync(new URL('../../../models/mnist-fcnn-narrow-150/circuit.json', import.meta.url), 'utf8')) as Circuit;
const decisions = circuitDecisions(circuit);
const nu = Math.max(...circuit.stages.map((s) => s.analysis.nu));
const shaped = (k: number, logN: number, l: number): TfheParameterSet =>
  optimizeParameters({
    messageBits: circuit.bits,
    maxNu: nu,
    decisions,
    log2PFailPerPbs: { pErrorPerInference: 1e-6, pbsCount: decisionPbsCount(decisions) },
    space: { glweDimension: { min: k, max: k }, polynomialSizeLog2: { min: logN, max: logN }, pbsLevels: { min: l, max: l } },
  }).set;
// A set of a given shape with the least key noise the security rule allows (timing only: its
// failure probability is whatever the noise model says).
const explicit = (bits: number, n: number, k: number, N: number, pbs: [number, number], ks: [number, number]): TfheParameterSet => {
  const draft: TfheParameterSet = {
    name: `SHAPE_${bits}BIT_n${n}_k${k}_N${N}_l${pbs[1]}_ks${ks[1]}`,
    messageBits: bits,
    lweDimension: n,
    glweDimension: k,
    polynomialSize: N,
    lweNoise: { kind: 'tuniform', boundLog2: minSecureTUniformBoundLog2(n) },
    glweNoise: { kind: 'tuniform', boundLog2: minSecureTUniformBoundLog2(k * N) },
    pbs: { baseLog: pbs[0], levelCount: pbs[1] },
    keyswitch: { baseLog: ks[0], levelCount: ks[1] },
    maxNu: 1,
    log2PFail: 0,
    modulusSwitch: 'centered',
  };
  return { ...draft, log2PFail: log2PFail(draft) };
};
const candidates: [string, () => TfheParameterSet][] = [
  ['k2N1024l2', () => shaped(2, 10, 2)],
  ['k1N2048l2', () => shaped(1, 11, 2)],
  ['k3N1024l2', () => shaped(3, 10, 2)],
  ['k2N1024l3', () => shaped(2, 10, 3)],
  ['k1N2048l3', () => shaped(1, 11, 3)],
  ['k2N2048l2', () => shaped(2, 11, 2)],
  ['k1N4096l2', () => shaped(1, 12, 2)],
  // --round-bits 4 (1536 PBS) and --round-bits 2 at p-error 1e-4 (768 PBS) sets of narrow-150.
  ['k3N512l3', () => explicit(7, 759, 3, 512, [8, 3], [2, 7])],
  ['k4N512l2', () => explicit(7, 759, 4, 512, [15, 2], [2, 7])],
  ['k1N2048l2n879', () => explicit(7, 879, 1, 2048, [15, 2], [2, 8])],
  ['pub2', () => publishedSet(2)],
  ['pub4', () => publishedSet(4)],
  ['pub6', () => publishedSet(6)],
];

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown';

interface Bench {
  id: string;
  set: TfheParameterSet;
  run: () => { cpuMs: number; wallMs: number };
  ksMs: () => number;
  cpu: number[];
  wall: number[];
  ks: number[];
  /** Keeps the native objects reachable (they are freed when collected). */
  keep: unknown[];
}
const benches: Bench[] = [];
const started = { date: new Date().toISOString(), load: load() };
for (const [id, make] of candidates) {
  if (only.length && !only.includes(id)) continue;
  const set = make();
  setThreadCount(2);
  const ck = ClientKey.generate(set as EngineParameterSet);
  const keys = await ck.generateEvaluationKeys();
  const eng = new ServerEngine(set as EngineParameterSet, keys);
  const p = 2 ** set.messageBits;
  const table = Array.from({ length: p }, (_, i) => (i * 3) % p);
  const batch = ck.encrypt(Array.from({ length: batchSize }, (_, i) => i % p));
  const index = new Uint32Array(batchSize);
  const ksBatch = ck.encrypt(new Array(64).fill(0));
  const ksh = [NativeObject.handleOf(keys), NativeObject.handleOf(ksBatch)] as const;
  setThreadCount(1);
  eng.pbs(batch, index, [table]).dispose(); // warm-up: scratch buffers, page faults
  benches.push({
    id,
    set,
    cpu: [],
    wall: [],
    ks: [],
    keep: [ck, keys, eng, batch, ksBatch],
    run: () => {
      const c = process.cpuUsage();
      const t = performance.now();
      eng.pbs(batch, index, [table]).dispose();
      const wallMs = performance.now() - t;
      const u = process.cpuUsage(c);
      return { cpuMs: (u.user + u.system) / 1000 / batchSize, wallMs: wallMs / batchSize };
    },
    // Keyswitch alone, grouped by 8 as the PBS does: CPU ms per ciphertext (it runs on this thread).
    ksMs: () => {
      const c = process.cpuUsage();
      nativeTesting.benchKeyswitch(...ksh, 8);
      const u = process.cpuUsage(c);
      return (u.user + u.system) / 1000 / 64;
    },
  });
  console.error(
    `${id}: n=${set.lweDimension} k=${set.glweDimension} N=${set.polynomialSize} pbs ${set.pbs.baseLog}/${set.pbs.levelCount} ks ${set.keyswitch.baseLog}/${set.keyswitch.levelCount} ready (load ${load()})`,
  );
}
setThreadCount(1);
const loads: string[] = [];
for (let r = 0; r < repeats; r++) {
  loads.push(load());
  for (let j = 0; j < benches.length; j++) {
    const b = benches[(j + r) % benches.length]!; // rotated order
    const m = b.run();
    b.cpu.push(m.cpuMs);
    b.wall.push(m.wallMs);
    b.ks.push(b.ksMs());
  }
  console.error(`repeat ${r + 1}/${repeats} done (load ${load()})`);
}
loads.push(load());
// FFT (forward + backward) per size, for the record.
const fftUs: Record<number, number> = {};
for (const N of [512, 1024, 2048, 4096, 8192]) {
  const iters = Math.max(20, Math.floor(2e7 / N));
  nativeTesting.benchFft(N, Math.ceil(iters / 10));
  fftUs[N] = nativeTesting.benchFft(N, iters) / 1000;
}
setThreadCount(cpus().length);

const record = {
  provenance: {
    what: 'single-thread CPU ms per keyswitch + PBS in a grouped batch (engine default), median over repeats; keyswitch alone (grouped by 8, CPU ms per ciphertext on one thread)',
    command: `npx tsx packages/engine/bench/cost-measure.ts ${args.join(' ')}`.trim(),
    date: started.date,
    machine: `${cpuModel}, ${cpus().length} cores, kernels ${kernelVariant()}`,
    batch: batchSize,
    repeats,
    loadAverages: loads,
    note: 'shared machine: interleaved candidates, CPU time of one engine thread',
  },
  fftUs,
  sets: benches.map((b) => ({
    id: b.id,
    n: b.set.lweDimension,
    k: b.set.glweDimension,
    N: b.set.polynomialSize,
    pbsLevels: b.set.pbs.levelCount,
    pbsBaseLog: b.set.pbs.baseLog,
    ksLevels: b.set.keyswitch.levelCount,
    ksBaseLog: b.set.keyswitch.baseLog,
    cpuMsPerPbs: +median(b.cpu).toFixed(3),
    cpuMsMinMax: [+Math.min(...b.cpu).toFixed(3), +Math.max(...b.cpu).toFixed(3)],
    wallMsPerPbs: +median(b.wall).toFixed(3),
    keyswitchMs: +median(b.ks).toFixed(3),
    oldModelUnits: pbsCost(b.set).total,
  })),
};
console.log(JSON.stringify(record, null, 1));
if (out) writeFileSync(out, JSON.stringify(record, null, 1) + '\n');
