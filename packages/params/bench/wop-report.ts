// The WoP-PBS sets of docs/parameters.md ("WoP-PBS sets for CRT stages"): for each max nu and
// span, the moduli and set optimizeCrtStage picks (and the fewest-selector-bits moduli of
// chooseCrtModuli with maxModulus 63 for comparison), their predicted p_fail, key sizes and cost
// per CRT neuron in PBS of the 10-bit rounded circuits' set (n=879, k=1, N=2048, PBS 15/2, KS 2/8).
// Usage: npx tsx packages/params/bench/wop-report.ts [--p-error 1e-6] [--lookups 24000] [--outputs 1]
import { chooseCrtModuli, optimizeCrtStage, optimizeWopParameters, pbsCost, predictedPbsMs, type WopOptimizeResult } from '@fhenet/params';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const pErrorPerInference = Number(opt('p-error', '1e-6'));
const lookupsPerInference = Number(opt('lookups', '24000'));
const outputs = Number(opt('outputs', '1'));
const REFERENCE = { lweDimension: 879, glweDimension: 1, polynomialSize: 2048, pbs: { baseLog: 15, levelCount: 2 }, keyswitch: { baseLog: 2, levelCount: 8 } };
const refCost = pbsCost(REFERENCE);
const MiB = 2 ** 20;
console.log(`reference PBS (n=879 k=1 N=2048 PBS 15/2 KS 2/8): ${(refCost.total / 1e6).toFixed(1)}M units, ${predictedPbsMs(refCost).toFixed(2)} ms predicted`);
console.log(
  '| max nu | span | moduli (t) | n / k / N | PBS | KS | CBS | PFKS | log2 p_fail per residue (target) | PFKS / BSK / KSK MiB (PFKS seeded) | cost per neuron, reference PBS | per inference, 1 thread |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const row = (nu: number, span: number, moduli: readonly number[], r: WopOptimizeResult) => {
  const s = r.set;
  const k = r.keySizes;
  const perNeuron = r.cost.perLookup.total / refCost.total;
  const seconds = predictedPbsMs({ pbs: 0, keyswitch: 0, total: r.cost.perInference }) / 1000;
  console.log(
    `| ${nu} | 2^${Math.log2(span)} | ${moduli.join(', ')} (${r.shape.selectorBits}) | ${s.lweDimension} / ${s.glweDimension} / ${s.polynomialSize} | ` +
      `${s.pbs.baseLog}/${s.pbs.levelCount} | ${s.keyswitch.baseLog}/${s.keyswitch.levelCount} | ${s.circuitBootstrap.baseLog}/${s.circuitBootstrap.levelCount} | ` +
      `${s.packingKeyswitch.baseLog}/${s.packingKeyswitch.levelCount} | ${r.log2PFailPerResidue.toFixed(1)} (${r.targetLog2PFailPerResidue.toFixed(1)}) | ` +
      `${(k.packingKeyswitchKeyBytes / MiB).toFixed(0)} (${(k.seededPackingKeyswitchKeyBytes / MiB).toFixed(0)}) / ${(k.bootstrapKeyBytes / MiB).toFixed(0)} / ${(k.keyswitchKeyBytes / MiB).toFixed(0)} | ` +
      `${perNeuron.toFixed(1)} | ${seconds.toFixed(0)} s |`,
  );
};
for (const maxNu of [8, 32, 128])
  for (const span of [2 ** 10, 2 ** 12, 2 ** 16]) {
    const base = { maxNu, outputs, pErrorPerInference, lookupsPerInference };
    try {
      const best = optimizeCrtStage({ ...base, span });
      row(maxNu, span, best.moduli.moduli, best);
    } catch (e) {
      console.log(`| ${maxNu} | 2^${Math.log2(span)} | none: ${e instanceof Error ? e.message : String(e)} |`);
    }
    try {
      const fewest = chooseCrtModuli(span, { maxModulus: 63 });
      row(maxNu, span, fewest.moduli, optimizeWopParameters({ ...base, moduli: fewest.moduli }));
    } catch (e) {
      console.log(`| ${maxNu} | 2^${Math.log2(span)} | maxModulus 63: ${e instanceof Error ? e.message : String(e)} |`);
    }
  }
