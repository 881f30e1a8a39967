// A/B of two builds of the native engine in one process, interleaved round by round (the machine is
// shared: compare the per-round ratios, not absolute times). For each set: keys made by build A
// are serialized and loaded into both builds, so both evaluate the very same keys and ciphertexts,
// and their PBS outputs must be byte-identical (unless --allow-different-bits: a change of the
// arithmetic, whose outputs must then still decrypt right); then each round times, on each build
// (order alternating), single-thread KS+PBS latency (median of `--samples`, and CPU time per PBS)
// and a 2-thread grouped batch (CPU time per PBS).
// Usage: npx tsx --tsconfig tsconfig.check.json packages/engine/bench/ab-engine.ts --a /path/a.node --b /path/b.node
//          [--bits 2,4,6,circuits] [--rounds 5] [--batch 32] [--tfhe-rs] [--allow-different-bits]
// --tfhe-rs (A must be the engine of the side-by-side tfhe-rs run, 5b9a1ac, or the base of issue 19,
// 7d6f4e0, which A/B'd equal to it): also prints B against tfhe-rs, B/A times A/tfhe-rs of that run.
// The addon loaded second has measured up to ~5 % less CPU whichever build it was: run both orders
// (--a X --b Y, then --a Y --b X) and take the geometric mean of B/A and 1/(B/A).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { NativeAddon, NativeHandle, NativeParams } from '@fhenet/engine/testing';
import { tuniformSet } from '@fhenet/testing';
import { circuitSets } from './sets.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const require = createRequire(import.meta.url);
const builds = { A: require(opt('a', '')) as NativeAddon, B: require(opt('b', '')) as NativeAddon };
const bitsList = opt('bits', '2,4,6').split(',');
const allowDifferent = args.includes('--allow-different-bits');
const vsTfheRs = args.includes('--tfhe-rs');
// tfhe-parameters.md, side by side on this machine kind (2026-12-07), that engine / tfhe-rs: single
// KS+PBS on 1 thread (median of per-round medians; CPU per PBS) and CPU per PBS of its grouped batch
// on 2 threads against tfhe-rs's batch API (6.4/6.1, 8.8/9.5, 80/81 ms).
const TFHE_RS_RATIOS: Record<string, { latency: number; cpu: number; batchCpu: number }> = {
  TUNIFORM_2BIT_2M128: { latency: 1.05, cpu: 1.19, batchCpu: 6.4 / 6.1 },
  TUNIFORM_4BIT_2M128: { latency: 1.1, cpu: 1.06, batchCpu: 8.8 / 9.5 },
  TUNIFORM_6BIT_2M128: { latency: 1.05, cpu: 1.06, batchCpu: 80 / 81 },
};
type AnySet = ReturnType<typeof tuniformSet>;
const sets: AnySet[] = bitsList.flatMap((w) =>
  w === 'circuits' ? circuitSets().map((c) => c.set as unknown as AnySet) : [tuniformSet(Number(w) as 2 | 4 | 6 | 8)],
);
const rounds = Number(opt('rounds', '5'));
const batchSize = Number(opt('batch', '32'));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function keysOf(n: NativeAddon, ck: NativeHandle): Promise<NativeHandle> {
  const s = n.sessionKeygen(ck, true, false);
  const { bskUnits, kskUnits } = n.sessionSizes(s);
  await n.sessionRun(s, 0, 0, bskUnits);
  await n.sessionRun(s, 1, 0, kskUnits);
  const ek = n.sessionTake(s).evaluationKeys!;
  n.dispose(s);
  return ek;
}

console.log(`A/B engine: A = ${opt('a', '')}, B = ${opt('b', '')}; kernels ${builds.A.kernelsName()} / ${builds.B.kernelsName()}; load at start ${load()}`);
const fp = Buffer.alloc(32, 7);
for (const published of sets) {
  const set = published as unknown as NativeParams;
  const bits = set.messageBits;
  const A = builds.A,
    B = builds.B;
  A.setThreads(2);
  B.setThreads(2);
  const ckA = A.clientKeyGenerate(set);
  // Both builds load the keys the same way (deserialized from the same bytes), so that neither
  // gets keys laid out in memory by keygen and the other by a copy.
  const made = await keysOf(A, ckA);
  const keyBytes = A.serializeEvaluationKeys(made, fp);
  A.dispose(made);
  const ekA = A.deserializeEvaluationKeys(keyBytes, set, fp);
  const ekB = B.deserializeEvaluationKeys(keyBytes, set, fp);
  const p = 2 ** bits;
  const table = Int32Array.from({ length: p }, (_, i) => (i * 3 + 1) % p);
  const msgs = Int32Array.from({ length: batchSize }, (_, i) => i % p);
  const ctBytes = A.serializeBatch(A.encrypt(ckA, msgs), fp, set);
  const inputs = { A: A.deserializeBatch(ctBytes, set, fp), B: B.deserializeBatch(ctBytes, set, fp) };
  const keys = { A: ekA, B: ekB };
  const index = new Uint32Array(batchSize);
  // Same keys, same ciphertexts: the outputs must be the same bytes (grouped on 2 threads, and one ciphertext).
  const outBytes = (w: 'A' | 'B', b: NativeHandle) => builds[w].serializeBatch(b, fp, set);
  const same = outBytes('A', A.pbs(ekA, inputs.A, index, table)).equals(outBytes('B', B.pbs(ekB, inputs.B, index, table)));
  const oneA = A.gather(inputs.A, Uint32Array.of(1)),
    oneB = B.gather(inputs.B, Uint32Array.of(1));
  const sameOne = outBytes('A', A.pbs(ekA, oneA, new Uint32Array(1), table)).equals(outBytes('B', B.pbs(ekB, oneB, new Uint32Array(1), table)));
  const decoded = A.decrypt(ckA, A.pbs(ekA, inputs.A, index, table));
  const right = decoded.every((v, i) => v === table[msgs[i]!]);
  console.log(
    `\n## ${published.name} (n=${set.lweDimension}, k=${set.glweDimension}, N=${set.polynomialSize}): outputs byte-identical A vs B: batch ${same}, single ${sameOne}; decrypt = table: ${right}`,
  );
  if (!right || (!allowDifferent && (!same || !sameOne))) process.exitCode = 1;

  const samples = set.polynomialSize >= 8192 ? 7 : 21;
  const res: Record<'A' | 'B', { lat: number[]; cpu: number[]; batchCpu: number[] }> = {
    A: { lat: [], cpu: [], batchCpu: [] },
    B: { lat: [], cpu: [], batchCpu: [] },
  };
  const ratios: { lat: number[]; cpu: number[]; batchCpu: number[] } = { lat: [], cpu: [], batchCpu: [] };
  for (let r = 0; r < rounds; r++) {
    const order: ('A' | 'B')[] = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    const round: Record<string, { lat: number; cpu: number; batchCpu: number }> = {};
    for (const w of order) {
      const n = builds[w];
      const one = w === 'A' ? oneA : oneB;
      n.setThreads(1);
      n.dispose(n.pbs(keys[w], one, new Uint32Array(1), table)); // warm-up
      const lat: number[] = [];
      const c0 = process.cpuUsage();
      for (let i = 0; i < samples; i++) {
        const t = performance.now();
        n.dispose(n.pbs(keys[w], one, new Uint32Array(1), table));
        lat.push(performance.now() - t);
      }
      const c1 = process.cpuUsage(c0);
      n.setThreads(2);
      const c2 = process.cpuUsage();
      n.dispose(n.pbs(keys[w], inputs[w], index, table));
      const c3 = process.cpuUsage(c2);
      round[w] = { lat: median(lat), cpu: (c1.user + c1.system) / 1000 / samples, batchCpu: (c3.user + c3.system) / 1000 / batchSize };
      res[w].lat.push(round[w].lat);
      res[w].cpu.push(round[w].cpu);
      res[w].batchCpu.push(round[w].batchCpu);
    }
    ratios.lat.push(round.B!.lat / round.A!.lat);
    ratios.cpu.push(round.B!.cpu / round.A!.cpu);
    ratios.batchCpu.push(round.B!.batchCpu / round.A!.batchCpu);
    console.log(
      `round ${r + 1} (load ${load()}): latency A ${round.A!.lat.toFixed(2)} / B ${round.B!.lat.toFixed(2)} ms; ` +
        `CPU per PBS A ${round.A!.cpu.toFixed(2)} / B ${round.B!.cpu.toFixed(2)} ms; 2-thread batch CPU per PBS A ${round.A!.batchCpu.toFixed(2)} / B ${round.B!.batchCpu.toFixed(2)} ms`,
    );
  }
  const m = (xs: number[]) => median(xs).toFixed(2);
  console.log(
    `medians: latency A ${m(res.A.lat)} / B ${m(res.B.lat)} ms (min ${Math.min(...res.A.lat).toFixed(2)} / ${Math.min(...res.B.lat).toFixed(2)}); ` +
      `CPU A ${m(res.A.cpu)} / B ${m(res.B.cpu)} ms; batch CPU A ${m(res.A.batchCpu)} / B ${m(res.B.batchCpu)} ms`,
  );
  console.log(`median per-round ratio B/A: latency ${m(ratios.lat)}, CPU ${m(ratios.cpu)}, batch CPU ${m(ratios.batchCpu)}`);
  const ref = TFHE_RS_RATIOS[published.name];
  if (vsTfheRs && ref) {
    const x = (r: number[], k: number) => (median(r) * k).toFixed(2);
    console.log(
      `B / tfhe-rs (B/A times A/tfhe-rs side by side, 2026-12-07): single KS+PBS latency ${x(ratios.lat, ref.latency)}, CPU ${x(ratios.cpu, ref.cpu)}; ` +
        `2-thread batch CPU per PBS vs its batch API ${x(ratios.batchCpu, ref.batchCpu)}`,
    );
  }
  for (const h of [ckA, ekA, ekB, inputs.A, inputs.B, oneA, oneB]) (h === ekB || h === inputs.B || h === oneB ? B : A).dispose(h);
}
console.log(`\nload at end ${load()}`);
