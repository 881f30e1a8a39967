// Engine benchmarks: per parameter set, single-ciphertext KS+PBS latency on one thread (median and
// minimum, CPU time per PBS), the keyswitch alone, grouped batches on 1 and 2 threads (the
// engine's default evaluation, keys read once per group of ciphertexts; optionally "groups of
// 1", every key streamed per ciphertext), keygen time, key sizes, and FFT time per size; prints a
// Markdown report.
// Usage: pnpm --filter @fhenet/engine bench [-- --bits 2,4,6,circuits --batch 64 --repeats 3 --ungrouped --no-fft --out FILE]
// Sets: 2, 4, 6, 8 are the published TUniform 2^-128 sets (tfhe-parameters.md); 7 is the
// optimizer's 7-bit set n=998, N=8192 (the first MNIST circuit's); `circuits` is every distinct
// set of the published circuits (models/*/circuit.json, same shape and noise counted once).
//
// tfhe-rs is not measured here (it cannot be built on this machine: no crates.io). It was measured
// side by side with this engine on this machine kind (2026-12-07, tfhe-parameters.md): compare a
// change with it through bench/ab-engine.ts against the engine of that run (bench/RESULTS.md,
// "How to reproduce"), never by dividing by figures taken on another day or CPU.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ClientKey, ServerEngine, setThreadCount, kernelVariant, type EngineParameterSet } from '@fhenet/engine';
import { nativeTesting, NativeObject } from '@fhenet/engine/testing';
import { tuniformSet } from '@fhenet/testing';
import { circuitSets } from './sets.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const bitsList = opt('bits', '2,4,6,circuits').split(',');
const out = opt('out', '');
const batchOpt = Number(opt('batch', '64'));
const repeats = Number(opt('repeats', '3'));
const skipFft = args.includes('--no-fft');
const ungrouped = args.includes('--ungrouped');

// The optimizer's 7-bit set of the first compiled MNIST circuit (models/mnist-fcnn-narrow-150,
// commit 9c54af9), pinned here so the row stays comparable when the circuit is recompiled.
const OPTIMIZED_7BIT: EngineParameterSet = {
  name: 'OPTIMIZED_TUNIFORM_7BIT_NU12.24744871391589_2M29',
  messageBits: 7,
  lweDimension: 998,
  glweDimension: 1,
  polynomialSize: 8192,
  lweNoise: { kind: 'tuniform', boundLog2: 43 },
  glweNoise: { kind: 'tuniform', boundLog2: 3 },
  pbs: { baseLog: 15, levelCount: 2 },
  keyswitch: { baseLog: 3, levelCount: 6 },
  maxNu: 12.24744871391589,
  log2PFail: -29.69386232836769,
  modulusSwitch: 'centered',
} as EngineParameterSet;

const sets: { set: EngineParameterSet; label: string }[] = bitsList.flatMap((which) => {
  if (which === 'circuits') return circuitSets().map(({ set, models }) => ({ set, label: `${set.name} (${models.join(', ')})` }));
  const set = which === '7' ? OPTIMIZED_7BIT : (tuniformSet(Number(which) as 2 | 4 | 6 | 8) as EngineParameterSet);
  return [{ set, label: set.name }];
});

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown';

const lines: string[] = [];
const log = (s: string) => {
  console.log(s);
  lines.push(s);
};

log('# @fhenet/engine engine benchmarks');
log('');
log(`- date: ${new Date().toISOString()}`);
log(`- machine: ${cpu}, ${cpus().length} cores, kernels: ${kernelVariant()}`);
log(`- command: \`pnpm --filter @fhenet/engine bench${args.length ? ` -- ${args.join(' ')}` : ''}\``);
log(`- load average at start: ${load()} (machine shared with other engineers: numbers are upper bounds)`);
log('');
log(
  'Single ciphertext: one KS+PBS at a time on one thread (median and minimum wall time, process CPU time per PBS). ' +
    `Batches: B ciphertexts, median of ${repeats} runs, grouped (the default evaluation: keys read once per group)` +
    `${ungrouped ? ' and in groups of 1 (every key streamed per ciphertext)' : ''}; CPU time per PBS is the process's (on 2 threads, both threads').`,
);
log('');
log(
  `| set | n, k, N, PBS, KS | KS+PBS 1 thread: median / min | CPU per PBS | keyswitch 1 ct / grouped (per ct) | B | grouped, 1 thread: PBS/s (CPU per PBS) | grouped, 2 threads: PBS/s (CPU per PBS) |${ungrouped ? ' groups of 1, 2 threads: PBS/s (CPU per PBS) |' : ''} keygen (2 threads) | BSK (Fourier) | KSK | load avg (start / end) |`,
);
log(`|---|---|---|---|---|---|---|---|${ungrouped ? '---|' : ''}---|---|---|---|`);

for (const { set, label } of sets) {
  const load0 = load();
  setThreadCount(2);
  const ck = ClientKey.generate(set);
  const t0 = performance.now();
  const keys = await ck.generateEvaluationKeys();
  const keygen = (performance.now() - t0) / 1000;
  const n = set.lweDimension,
    k = set.glweDimension,
    N = set.polynomialSize;
  const bsk = n * (k + 1) ** 2 * set.pbs.levelCount * N * 8;
  const ksk = k * N * set.keyswitch.levelCount * (n + 1) * 8;
  const eng = new ServerEngine(set, keys);
  const p = 2 ** set.messageBits;
  const table = Array.from({ length: p }, (_, i) => (i * 3) % p);

  setThreadCount(1);
  const one = ck.encrypt([1]);
  eng.pbs(one, [0], [table]).dispose(); // warm-up (scratch, page faults)
  const samples = N >= 65536 ? 3 : N >= 8192 ? 11 : 31;
  const lat: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    eng.pbs(one, [0], [table]).dispose();
    lat.push(performance.now() - t);
  }
  const cu = process.cpuUsage(c0);
  // CPU time of this process per PBS: with one engine thread it excludes time spent descheduled
  // on the shared machine (cache and memory contention still count).
  const cpuMs = (cu.user + cu.system) / 1000 / samples;
  const ksBatch = ck.encrypt(new Array(N >= 65536 ? 8 : 16).fill(0));
  const ksh = [NativeObject.handleOf(keys), NativeObject.handleOf(ksBatch)] as const;
  const ks1 = nativeTesting.benchKeyswitch(...ksh) / 1e6;
  const ksG = nativeTesting.benchKeyswitch(...ksh, 8) / 1e6;

  const batchSize = N >= 65536 ? 4 : batchOpt;
  const batch = ck.encrypt(Array.from({ length: batchSize }, (_, i) => i % p));
  const index = new Uint32Array(batchSize);
  // PBS/s (wall, median of the repeats) and process CPU ms per PBS (median).
  const tput = (threads: number, groupSize?: number) => {
    setThreadCount(threads);
    const runs: number[] = [];
    const cpuRuns: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const c = process.cpuUsage();
      const t = performance.now();
      eng.pbs(batch, index, [table], groupSize ? { groupSize } : {}).dispose();
      runs.push(batchSize / ((performance.now() - t) / 1000));
      const u = process.cpuUsage(c);
      cpuRuns.push((u.user + u.system) / 1000 / batchSize);
    }
    return `${median(runs).toFixed(1)} (${median(cpuRuns).toFixed(2)} ms)`;
  };
  const g1 = tput(1);
  const g2 = tput(2);
  const u2 = ungrouped ? ` ${tput(2, 1)} |` : '';
  log(
    `| ${label} | ${n}, ${k}, ${N}, ${set.pbs.baseLog}/${set.pbs.levelCount}, ${set.keyswitch.baseLog}/${set.keyswitch.levelCount} | ` +
      `${median(lat).toFixed(2)} / ${Math.min(...lat).toFixed(2)} ms | ${cpuMs.toFixed(2)} ms | ${ks1.toFixed(2)} / ${ksG.toFixed(2)} ms | ${batchSize} | ` +
      `${g1} | ${g2} |${u2} ${keygen.toFixed(1)} s | ${MiB(bsk)} | ${MiB(ksk)} | ${load0} / ${load()} |`,
  );
  for (const o of [keys, ck, one, ksBatch, batch]) o.dispose();
}

log('');
log(
  'tfhe-rs, measured side by side with this engine at commit 5b9a1ac on this machine kind (2026-12-07, tfhe-parameters.md; ' +
    'the 2-, 4- and 6-bit sets above): KS+PBS on 1 thread, median of the per-round minimums, tfhe-rs 9.8 / 12.0 / 99 ms against that ' +
    'engine 10.1 / 12.6 / 99 ms (CPU per PBS 10.5 / 13.0 / 102 against 12.4 / 13.5 / 109 ms); batches on 2 threads, CPU per PBS, ' +
    "tfhe-rs's batch API 6.1 / 9.5 / 81 ms against that engine grouped 6.4 / 8.8 / 80 ms. Those figures are not comparable with the " +
    'rows above (other day, other load): to place this engine against tfhe-rs, run bench/ab-engine.ts against the base engine ' +
    '(bench/RESULTS.md, "How to reproduce") and multiply its ratios by those of that run.',
);
if (!skipFft) {
  log('');
  log('## Negacyclic FFT (forward + backward, one thread, mean)');
  log('');
  log('| N | time | load avg |');
  log('|---|---|---|');
  setThreadCount(1);
  for (const N of [256, 512, 1024, 2048, 4096, 8192, 16384, 65536]) {
    const iters = Math.max(20, Math.floor(4e7 / N));
    nativeTesting.benchFft(N, Math.ceil(iters / 10));
    log(`| ${N} | ${(nativeTesting.benchFft(N, iters) / 1000).toFixed(2)} us | ${load()} |`);
  }
}
setThreadCount(cpus().length);
if (out) writeFileSync(out, `${lines.join('\n')}\n`);
