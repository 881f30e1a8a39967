// Engine benchmarks: KS+PBS latency (one thread, median), 2-thread throughput, keygen time, key
// sizes, FFT time per size; prints a Markdown report with ratios to tfhe-rs on this machine kind.
// Usage: pnpm --filter @fhenet/runtime bench [-- --bits 2,4,6,8 --out bench/RESULTS.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ClientKey, ServerEngine, setThreadCount, kernelVariant } from '../src/index.js';
import { native } from '../src/native.js';
import { NativeObject } from '../src/handle.js';
import { tuniformSet } from '../test/sets.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const bitsList = opt('bits', '2,4,6').split(',').map(Number) as (2 | 4 | 6 | 8)[];
const out = opt('out', '');

// tfhe-rs 1.7 on this machine kind (tfhe-parameters.md): KS+PBS ms, keyswitch ms, 2-thread PBS/s, keygen s.
const TFHE_RS: Record<number, { ksPbs: number; ks: number; tput: number; keygen: number }> = {
  2: { ksPbs: 12.4, ks: 1.69, tput: 162, keygen: 0.7 },
  4: { ksPbs: 16.9, ks: 2.36, tput: 116, keygen: 0.8 },
  6: { ksPbs: 128.9, ks: 15.9, tput: 15.4, keygen: 8.5 },
  8: { ksPbs: 1765, ks: 178, tput: 0.9, keygen: 276 },
};

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown';

const lines: string[] = [];
const log = (s: string) => {
  console.log(s);
  lines.push(s);
};

log(`# @fhenet/runtime engine benchmarks`);
log('');
log(`- date: ${new Date().toISOString()}`);
log(`- machine: ${cpu}, ${cpus().length} cores, kernels: ${kernelVariant()}`);
log(`- command: \`pnpm --filter @fhenet/runtime bench${args.length ? ' -- ' + args.join(' ') : ''}\``);
log(`- load average at start: ${load()} (machine shared with other engineers: numbers are upper bounds)`);
log('');
log('| set | KS+PBS 1 thread (median wall) | CPU time / PBS | tfhe-rs | ratio (CPU) | keyswitch alone | tfhe-rs | PBS/s 2 threads | tfhe-rs | ratio | keygen | tfhe-rs | BSK (Fourier) | KSK | seeded keys | load avg |');
log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');

for (const bits of bitsList) {
  const set = tuniformSet(bits);
  const ref = TFHE_RS[bits]!;
  setThreadCount(2);
  const ck = ClientKey.generate(set);
  const t0 = performance.now();
  const { keys, seeded } = await ck.generateBothEvaluationKeys();
  const keygen = (performance.now() - t0) / 1000;
  const n = set.lweDimension, k = set.glweDimension, N = set.polynomialSize;
  const bsk = n * (k + 1) ** 2 * set.pbs.levelCount * N * 8;
  const ksk = k * N * set.keyswitch.levelCount * (n + 1) * 8;
  const seededBytes = n * (k + 1) * set.pbs.levelCount * N * 8 + k * N * set.keyswitch.levelCount * 8;
  const eng = new ServerEngine(set, keys);
  const p = 2 ** bits;
  const table = Array.from({ length: p }, (_, i) => (i * 3) % p);

  setThreadCount(1);
  const one = ck.encrypt([1]);
  eng.pbs(one, [0], [table]).dispose(); // warm-up (scratch, page faults)
  const samples = bits === 8 ? 3 : bits === 6 ? 15 : 51;
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
  const ksBatch = ck.encrypt(new Array(bits === 8 ? 2 : 10).fill(0));
  const ks = native.benchKeyswitch(NativeObject.handleOf(keys), NativeObject.handleOf(ksBatch)) / 1e6;

  setThreadCount(2);
  const batchSize = bits === 8 ? 2 : bits === 6 ? 16 : 64;
  const batch = ck.encrypt(Array.from({ length: batchSize }, (_, i) => i % p));
  const t1 = performance.now();
  eng.pbs(batch, new Uint32Array(batchSize), [table]).dispose();
  const tput = batchSize / ((performance.now() - t1) / 1000);
  const m = median(lat);
  log(
    `| TUniform ${bits}-bit (n=${n}, k=${k}, N=${N}) | ${m.toFixed(2)} ms | ${cpuMs.toFixed(2)} ms | ${ref.ksPbs} ms | ${(cpuMs / ref.ksPbs).toFixed(2)}x | ` +
      `${ks.toFixed(2)} ms | ${ref.ks} ms | ${tput.toFixed(1)} | ${ref.tput} | ${(ref.tput / tput).toFixed(2)}x | ` +
      `${keygen.toFixed(1)} s | ${ref.keygen} s | ${MiB(bsk)} | ${MiB(ksk)} | ${MiB(seededBytes)} | ${load()} |`,
  );
  for (const o of [keys, seeded, ck, one, ksBatch, batch]) o.dispose();
}

log('');
log('Ratio = ours / tfhe-rs for latency, tfhe-rs / ours for throughput (lower is better, 1.00 = parity).');
log('');
log('## Negacyclic FFT (forward + backward, one thread, mean)');
log('');
log('| N | time | load avg |');
log('|---|---|---|');
setThreadCount(1);
for (const N of [256, 512, 1024, 2048, 4096, 8192, 16384, 65536]) {
  const iters = Math.max(20, Math.floor(4e7 / N));
  native.benchFft(N, Math.ceil(iters / 10));
  log(`| ${N} | ${(native.benchFft(N, iters) / 1000).toFixed(2)} us | ${load()} |`);
}
if (out) writeFileSync(out, lines.join('\n') + '\n');
