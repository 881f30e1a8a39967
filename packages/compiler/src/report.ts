// Human-readable compile report: one row per stage, then the circuit width and the parameters.

import type { CompileReport } from './compile.js';
import { tfheRsParametersDocument } from '@fhenet/circuit';

const mib = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ')).join('\n');
}

/** The node-tfhe / tfhe client's parameters for the chosen set, or why tfhe-rs would refuse it. */
function tfheRsLine(set: Parameters<typeof tfheRsParametersDocument>[0]): string {
  const d = tfheRsParametersDocument(set);
  return d.call
    ? `tfhe-rs ${d.tfheRsVersion} client (node-tfhe / tfhe, --client node-tfhe): ${d.call}`
    : `tfhe-rs ${d.tfheRsVersion} client (node-tfhe / tfhe): refused: ${d.refused}`;
}

const anyApproximate = (report: CompileReport) => report.stages.some((s) => s.roundBits >= 2 && s.rounding === 'approximate');

const pct = (x: number) => `${(100 * x).toFixed(x < 0.001 ? 4 : 2)}%`;

/** The chosen rounding priced both ways: per stage PBS exact / approximate and the approximate stages' predicted error. */
function roundingModeLines(report: CompileReport): string[] {
  const { exact, approximate } = report.roundingModes!;
  const rows = [['stage', 'round', 'PBS exact', 'PBS approximate', 'sigma (slots)', 'off bucket', 'value changed']];
  report.stages.forEach((s, i) => {
    const a = approximate.approximation?.[i];
    rows.push([
      s.name,
      String(s.roundBits),
      String(exact.stagePbs[i]),
      String(approximate.stagePbs[i]),
      a ? `${a.sigma.toFixed(2)} / ${a.bucket}` : '-',
      a ? pct(a.offBucket) : '-',
      a ? pct(a.changed) : '-',
    ]);
  });
  const rule = (m: typeof exact) => (m.rounding === 'exact' ? '' : m.offRate !== undefined ? ` (off rate ${pct(m.offRate)})` : ' (centre rule)');
  const mode = (m: typeof exact) =>
    m.error
      ? `${m.rounding}: ${m.pbsCount} PBS, no parameters (${m.error.slice(0, 100)})`
      : `${m.rounding}${rule(m)}: ${m.pbsCount} PBS, ${m.set} (N=${m.polynomialSize}), ${m.pbsMs!.toFixed(1)} ms/PBS, ` +
        `${(m.inferenceMs! / 1000).toFixed(1)} s per inference on one thread (~${(m.inferenceMs! / 2000).toFixed(1)} s on 2 cores), ${m.pErrorPerInference!.toExponential(1)} error per inference`;
  return [
    'rounding both ways (exact: k-1 bit extractions + the lookup per neuron; approximate: the lookup alone, a slot near a bucket edge may land one bucket off):',
    table(rows),
    `  ${mode(exact)}`,
    `  ${mode(approximate)}`,
    ...(approximate.approximation
      ? [
          "  (off bucket / value changed: predicted share of the stage's lookups on the calibration data, noise model of the approximate set; a move between buckets of equal value changes nothing)",
        ]
      : []),
  ];
}

export function formatReport(report: CompileReport): string {
  // The CRT columns only when some stage is one: reports of padded circuits are unchanged.
  const anyCrt = report.stages.some((s) => s.crt);
  const rows = [
    [
      'stage',
      'op',
      'outputs',
      'active',
      'worst-case acc',
      'bits',
      'calibration acc',
      'bits',
      'nu',
      'round',
      ...(anyApproximate(report) ? ['mode'] : []),
      'PBS/neuron',
      'PBS',
      ...(anyCrt ? ['CRT moduli', 't', 'WoP lookups'] : []),
    ],
  ];
  for (const s of report.stages) {
    rows.push([
      s.name,
      s.kind,
      String(s.outputs),
      String(s.activeSynapses),
      `[${s.worstCase.range.min}, ${s.worstCase.range.max}]`,
      String(s.worstCase.bits),
      s.calibration ? `[${s.calibration.range.min}, ${s.calibration.range.max}]` : '-',
      s.calibration ? String(s.calibration.bits) : '-',
      s.nu.toFixed(2),
      String(s.roundBits),
      ...(anyApproximate(report) ? [s.roundBits >= 2 ? s.rounding : '-'] : []),
      String(s.pbsPerNeuron),
      s.pbs === 0 && !s.crt ? '0 (clear decode)' : String(s.pbs),
      ...(anyCrt
        ? s.crt
          ? [
              `${s.crt.moduli.join('x')} = ${s.crt.product} >= ${s.crt.span}`,
              String(s.crt.selectorBits),
              s.crtLookups === 0 ? '0 (clear decode)' : String(s.crtLookups),
            ]
          : ['-', '-', '-']
        : []),
    ]);
  }
  const lines = [
    `circuit ${report.name}`,
    table(rows),
    `circuit bit-width: ${report.bits} (sized on ${report.sizing === 'worstCase' ? 'the exact worst case' : 'calibration data'}; ` +
      `bits = widest channel's accumulator span after its shift into [0, 2^bits))`,
    `PBS per inference: ${report.pbsCount} (bit extractions included), max nu: ${report.maxNu.toFixed(2)}`,
    ...(anyCrt
      ? [
          `CRT stages: ${report.stages.filter((s) => s.crt).length}, ${report.crtLookups} WoP lookups per inference (each: circuit bootstrapping of its t selector bits + vertical packing; ` +
            `not in the PBS count; exact for every input, slot mod M; docs/crt.md)`,
        ]
      : []),
    `float ties: ${report.floatTies} table entries round differently in float32 and float64 (where tfjs may disagree)`,
  ];
  const p = report.parameters;
  if ('error' in p) {
    lines.push(`parameters: none (${p.error})`);
  } else if (p.wop) {
    // One WoP-PBS set for every CRT stage (crt-parameters.ts).
    const w = p.wop;
    const set = w.set;
    const ks = w.keySizes;
    lines.push(
      `parameters: ${set.name} (WoP-PBS): n=${set.lweDimension}, k=${set.glweDimension}, N=${set.polynomialSize}, messageBits ${set.messageBits}, ` +
        `PBS ${set.pbs.baseLog}/${set.pbs.levelCount}, KS ${set.keyswitch.baseLog}/${set.keyswitch.levelCount}, ` +
        `CBS ${set.circuitBootstrap.baseLog}/${set.circuitBootstrap.levelCount}, PFKS ${set.packingKeyswitch.baseLog}/${set.packingKeyswitch.levelCount}`,
      `rated for: moduli <= ${w.maxModulus}, t <= ${w.maxSelectorBits} selector bits, nu <= ${p.maxNu.toFixed(2)}, ${w.maxOutputs} output encoding(s) per lookup` +
        (w.outputDecodeBits !== undefined ? `, ${w.outputDecodeBits}-bit decrypted outputs (2^${w.outputDecodeLog2PFail!.toFixed(1)} each)` : ''),
      `predicted error: 2^${p.parameters.log2PFailPerPbs.toFixed(1)} per residue decision (${w.residues} per inference), ${p.parameters.pErrorPerInference.toExponential(2)} per inference`,
      `keys: bootstrapping ${mib(ks.bootstrapKeyBytes)} (seeded ${mib(ks.seededBootstrapKeyBytes)}), keyswitching ${mib(ks.keyswitchKeyBytes)} (seeded ${mib(ks.seededKeyswitchKeyBytes)}), ` +
        `packing keyswitching ${mib(ks.packingKeyswitchKeyBytes)} (seeded ${mib(ks.seededPackingKeyswitchKeyBytes)})`,
      ...w.stages.map((c) => `  ${c.name}: ${c.lookups} WoP lookups x ${c.pbsEquivalentsPerLookup.toFixed(1)} KS+PBS-equivalents of this set`),
      `cost model: ${w.pbsEquivalents.toFixed(0)} KS+PBS-equivalents per inference; predicted latency ${(w.predictedInferenceMs / 1000).toFixed(1)} s per inference on one thread ` +
        `(~${(w.predictedInferenceMs / 2000).toFixed(1)} s on 2 cores, idle; the WoP terms are not measured on the engine yet)`,
    );
  } else {
    const set = p.parameters.set;
    lines.push(
      `parameters: ${set.name}: n=${set.lweDimension}, k=${set.glweDimension}, N=${set.polynomialSize}, ` +
        `PBS ${set.pbs.baseLog}/${set.pbs.levelCount}, KS ${set.keyswitch.baseLog}/${set.keyswitch.levelCount}`,
      `predicted error: 2^${p.parameters.log2PFailPerPbs.toFixed(1)} per PBS, ${p.parameters.pErrorPerInference.toExponential(2)} per inference`,
      `keys: bootstrapping ${mib(p.keySizes.bootstrapKeyBytes)} (seeded ${mib(p.keySizes.seededBootstrapKeyBytes)}), ` +
        `keyswitching ${mib(p.keySizes.keyswitchKeyBytes)} (seeded ${mib(p.keySizes.seededKeyswitchKeyBytes)})`,
      tfheRsLine(set),
      `cost model: ${p.pbsCost.total.toExponential(2)} units per KS+PBS, ${(p.pbsCost.total * report.pbsCount).toExponential(2)} per inference`,
      `predicted latency: ${p.predictedPbsMs.toFixed(1)} ms per KS+PBS, ${(report.predictedInferenceMs! / 1000).toFixed(1)} s per inference on one thread ` +
        `(~${(report.predictedInferenceMs! / 2000).toFixed(1)} s on 2 cores; cost model fitted to the engine's grouped PBS and calibrated on encrypted images on this project's 2-core machine, idle, +-10%)`,
    );
  }
  if (report.roundingModes) lines.push(...roundingModeLines(report));
  if (report.roundingCandidates.length > 1) {
    lines.push('roundings priced (round bits per stage; auto takes the cheapest, or the smallest k within 20% of it):');
    for (const c of report.roundingCandidates) {
      lines.push(
        `  [${c.roundBits.join(', ')}]: ${c.pbsCount} PBS, ` +
          (c.error
            ? `no parameters (${c.error.slice(0, 100)})`
            : `N=${c.polynomialSize} ${c.pbsMs!.toFixed(1)} ms/PBS, ${(c.inferenceMs! / 1000).toFixed(1)} s per inference (1 thread)`),
      );
    }
  }
  return lines.join('\n');
}
