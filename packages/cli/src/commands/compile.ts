// `fhenet compile <trained-graph>`: parses arguments, loads the calibration and test samples (the
// graph's own by default) and calls @fhenet/compiler; prints the compile report, the simulated
// accuracy of every rounding priced, and writes the circuit file. No logic here.
import type { CommandModule } from 'yargs';
import type { CompileReport, Sizing } from '@fhenet/compiler';
import type { RoundingMode } from '@fhenet/params';
import { DATASET_NAMES, detectFormat, type DatasetName, type DataSource, type ImageDataset } from '@fhenet/datasets';
import { loadTrainedGraph } from '@fhenet/training/format';
import { dataSource } from '../data-args.js';
import { describeSource, namedCalibration, ownData } from '../graph-data.js';

interface CompileArgs {
  'trained-graph': string;
  out: string;
  'max-bits'?: number;
  'p-error': number;
  calibration?: string;
  'calibration-labels'?: string;
  'calibration-count': number;
  'force-calibration': boolean;
  sizing?: string;
  'round-bits': string;
  rounding: string;
  'approximate-off-rate': string;
  'noise-seed': number;
  'accuracy-count': number;
  'tfhe-rs-params'?: string;
  'clear-first-layer': boolean;
  'fold-pools': boolean;
  crt: boolean;
  'crt-max-modulus'?: number;
}

/**
 * The command's defaults (docs/compiler.md, "Approximate rounding", measured on every published
 * model): approximate rounding, one PBS per neuron, with the off rate 'auto' (APPROXIMATE_OFF_RATE,
 * 12% of the slots one bucket off, where that makes the PBS AUTO_OFF_RATE_MIN_GAIN = 1.2x cheaper;
 * else the centre rule). The
 * library's compile() keeps exact rounding and the centre rule by default.
 */
const DEFAULT_ROUNDING = 'approximate';
const DEFAULT_APPROXIMATE_OFF_RATE = 'auto';

/** --round-bits: "auto", one k for every lookup stage, or a comma-separated k per stage. */
function parseRoundBits(v: string): number | readonly number[] | 'auto' | Error {
  if (v === 'auto') return 'auto';
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((s) => !/^\d+$/.test(s))) return new Error(`--round-bits: expected "auto", an integer k, or one integer per stage (e.g. 4,4,0), got "${v}"`);
  const ks = parts.map(Number);
  return ks.length === 1 ? ks[0]! : ks;
}

/** --rounding: "exact", "approximate", or one of them per stage (comma-separated). */
function parseRounding(v: string): RoundingMode | readonly RoundingMode[] | Error {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((s) => s !== 'exact' && s !== 'approximate'))
    return new Error(`--rounding: expected "exact", "approximate", or one of them per stage (e.g. approximate,approximate,exact), got "${v}"`);
  const modes = parts as RoundingMode[];
  return modes.length === 1 ? modes[0]! : modes;
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: 'compile <trained-graph>',
  describe: 'Compile a trained graph to an integer circuit of accumulators and table lookups',
  builder: (y) =>
    y
      .positional('trained-graph', {
        type: 'string',
        demandOption: true,
        describe: 'Published model name (fhenet models), or a folder / graph.json written by fhenet train',
      })
      .option('out', { type: 'string', default: 'circuit.json', describe: 'Circuit file to write' })
      .option('max-bits', { type: 'number', describe: 'Reject the model if any accumulator needs more bits' })
      .option('p-error', { type: 'number', default: 1e-6, describe: 'Error probability of one whole inference' })
      .option('calibration', {
        type: 'string',
        describe:
          `Calibrate the ranges on this data instead of the graph's own training data: a built-in data set (${DATASET_NAMES.join(', ')}) or your files, in the format of the graph's data; ` +
          "refused unless it is the graph's domain (shape, classes, format, encoding; docs/your-own-data.md)",
      })
      .option('calibration-labels', { type: 'string', describe: '--calibration of .npy samples: their labels .npy' })
      .option('calibration-count', { type: 'number', default: 10000, describe: 'Calibration samples (the first N training samples)' })
      .option('force-calibration', {
        type: 'boolean',
        default: false,
        describe: "Calibrate on --calibration data even though its statistics differ from the graph's training data",
      })
      .option('round-bits', {
        type: 'string',
        default: '0',
        describe:
          'Low accumulator bits each lookup stage rounds away exactly before its table (k-1 extra PBS per neuron, much cheaper parameters): ' +
          '"auto" (least predicted latency), k for every lookup stage, or one k per stage (e.g. 4,4,0); 0 = no rounding',
      })
      .option('rounding', {
        type: 'string',
        default: DEFAULT_ROUNDING,
        describe:
          'How rounded stages drop their low bits: "approximate" (the lookup alone, one PBS per neuron: the bootstrap drops the bits, a value near a bucket edge may land one bucket off, ' +
          'as the noise model predicts; docs/compiler.md "Approximate rounding" says why it is the default) or "exact" (k-1 bit-extraction PBS + the lookup per neuron; ' +
          'encrypted == simulated bit for bit), or one per stage. The report prices the rounding both ways and gives the simulated accuracy of each',
      })
      .option('approximate-off-rate', {
        type: 'string',
        default: DEFAULT_APPROXIMATE_OFF_RATE,
        describe:
          'Approximate stages: their values (as placed in their buckets on the calibration data) land one bucket off with this probability at most, for cheaper parameters; ' +
          `"centre": a value at its bucket's centre is held to the --p-error budget (~6% off at uniform places); "auto": 0.12 where that makes each PBS at least 1.2x cheaper (predicted), else "centre"`,
      })
      .option('noise-seed', {
        type: 'number',
        default: 1,
        describe: 'Seed of the simulated bootstrap noise behind the approximate accuracy the report gives',
      })
      .option('accuracy-count', {
        type: 'number',
        default: 10000,
        describe: "Test samples of the graph's own test data on which the simulated accuracy of every rounding priced is reported; 0 to skip",
      })
      .option('tfhe-rs-params', {
        type: 'string',
        describe:
          'Also write the Shortint.new_parameters arguments a node-tfhe / tfhe client must use for the chosen set (or why tfhe-rs refuses it) to this JSON file (docs/node-tfhe-client.md)',
      })
      .option('clear-first-layer', {
        type: 'boolean',
        default: false,
        describe:
          "The client computes the first layer (accumulator and lookup) in the clear and encrypts its outputs (the paper's 8-bit-input configuration): its accumulator no longer bounds the circuit bits",
      })
      .option('fold-pools', {
        type: 'boolean',
        default: true,
        describe:
          "Fold each average pool that feeds a dense or conv layer into that layer (composed weights: the same accumulators without the pool's lookups); --no-fold-pools keeps a lookup stage per pool",
      })
      .option('crt', {
        type: 'boolean',
        default: false,
        describe:
          'Every stage whose exact worst-case accumulator needs more than --max-bits bits (default 8) becomes an exact CRT stage (residues mod odd coprime moduli, one WoP lookup per neuron; docs/crt.md) ' +
          'instead of being rejected or rounded. When every encrypted stage is a CRT stage the circuit gets one WoP-PBS parameter set and runs encrypted (fhenet predict); a circuit mixing padded and CRT stages gets none (lower --max-bits so that every stage is CRT). A per-stage --round-bits list must give those stages 0',
      })
      .option('crt-max-modulus', { type: 'number', describe: 'With --crt: largest residue modulus (default 2^max-bits - 1, i.e. 255)' })
      .option('sizing', {
        type: 'string',
        choices: ['calibration', 'worst-case'],
        describe: 'Size accumulators on calibration ranges (default when calibrating, as the paper) or the exact worst case',
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { compile, formatReport } = await import('@fhenet/compiler');
    const { saveCircuit, simulatedAccuracy, tfheRsParametersDocument } = await import('@fhenet/circuit');
    const { modelDir, PUBLISHED_MODEL_NAMES } = await import('@fhenet/models');
    const graph = loadTrainedGraph(PUBLISHED_MODEL_NAMES.includes(a['trained-graph']) ? modelDir(a['trained-graph']) : a['trained-graph']);
    const sizing: Sizing | undefined = a.sizing === undefined ? undefined : a.sizing === 'worst-case' ? 'worstCase' : 'calibration';
    const roundBits = parseRoundBits(a['round-bits']);
    if (roundBits instanceof Error) throw roundBits;
    const rounding = parseRounding(a.rounding);
    if (rounding instanceof Error) throw rounding;
    const given = a['approximate-off-rate'];
    const offRate = given === 'centre' || given === 'auto' ? given : Number(given);
    if (typeof offRate === 'number' && !(offRate > 0 && offRate < 0.5))
      throw new Error(`--approximate-off-rate: expected a probability in (0, 0.5), "auto" or "centre", got "${given}"`);
    if (a['crt-max-modulus'] !== undefined && !a.crt) throw new Error('--crt-max-modulus needs --crt');
    // The graph's own data: calibration by default, and the test samples accuracy is measured on.
    const own = ownData(graph, a['calibration-count']);
    let calibration: ImageDataset | undefined;
    let calibrationWhat = '';
    if (sizing !== 'worstCase' && a.calibration !== undefined) {
      const source: DataSource = (DATASET_NAMES as readonly string[]).includes(a.calibration)
        ? { format: 'dataset', name: a.calibration as DatasetName }
        : dataSource(
            a.calibration,
            undefined, // its own format: another one is another domain, refused below with the reason
            a['calibration-labels'],
            graph.data?.source.format === 'csv' && graph.data.source.labelColumn !== undefined && detectFormat(a.calibration) === 'csv'
              ? String(graph.data.source.labelColumn)
              : undefined,
          );
      calibration = namedCalibration(graph, source, a['calibration-count'], a['force-calibration']);
      calibrationWhat = `${calibration.count} samples of ${describeSource(source)} (--calibration)`;
    } else if (sizing !== 'worstCase' && 'data' in own) {
      calibration = own.data.train;
      calibrationWhat = `${calibration.count} training samples of ${own.what} (the graph's own)`;
    }
    let result: ReturnType<typeof compile>;
    try {
      result = compile(graph, {
        ...(a['max-bits'] !== undefined ? { maxBits: a['max-bits'] } : {}),
        pError: a['p-error'],
        ...(calibration ? { calibration: { raw: calibration.images, count: calibration.count } } : {}),
        ...(sizing ? { sizing } : {}),
        roundBits,
        rounding,
        ...(offRate === 'centre' ? {} : { approximateOffRate: offRate }),
        ...(a['clear-first-layer'] ? { clearFirstLayer: true } : {}),
        ...(a['fold-pools'] ? {} : { foldPools: false }),
        ...(a.crt ? { crt: true } : {}),
        ...(a['crt-max-modulus'] !== undefined ? { crtMaxModulus: a['crt-max-modulus'] } : {}),
      });
    } catch (e) {
      // A model the compiler rejects (BitWidthError, LoweringError, RangeError) is a user-facing
      // answer: main.ts prints its message; without calibration, say why the circuit was so wide.
      if (!calibration && sizing !== 'worstCase') console.error(noCalibrationWarning('missing' in own ? own.missing : 'none was used', undefined));
      throw e;
    }
    const { circuit, report, unrounded, candidates, roundingModes } = result;
    saveCircuit(a.out, circuit);
    console.log(formatReport(report));
    for (const f of report.foldedPools ?? []) {
      console.log(`pool folded: ${f.pool} (sum pool) is read by ${f.into} through composed weights, no lookup of its own (--no-fold-pools keeps it)`);
    }
    for (const c of report.clearStages ?? []) {
      console.log(
        `clear stage (client, not encrypted): ${c.name} ${c.kind}, ${c.outputs} outputs, exact ${c.bits}-bit tables (worst case); the ${report.bits}-bit circuit starts after it`,
      );
    }
    console.log(`calibration: ${calibration ? calibrationWhat : 'none (worst-case sizing)'}; wrote ${a.out}`);
    if (!calibration && sizing !== 'worstCase') console.error(noCalibrationWarning('missing' in own ? own.missing : 'none was used', report));
    if (a['tfhe-rs-params'] !== undefined) {
      if (!circuit.parameters) {
        console.error(`fhenet compile: --tfhe-rs-params: circuit "${circuit.name}" has no TFHE parameter set (see the parameters line above); nothing written`);
        process.exitCode = 1;
      } else {
        const { writeFileSync } = await import('node:fs');
        const doc = tfheRsParametersDocument(circuit.parameters.set);
        writeFileSync(a['tfhe-rs-params'], `${JSON.stringify({ ...doc, circuit: circuit.name }, null, 2)}\n`);
        console.log(
          `tfhe-rs client parameters (${doc.refused ? 'refused, with the reason' : 'Shortint.new_parameters arguments'}) written to ${a['tfhe-rs-params']}`,
        );
      }
    }
    if (a['accuracy-count'] <= 0) return;
    if ('missing' in own) {
      console.log(`simulated accuracy: not measured: ${own.missing}`);
      return;
    }
    // What each rounding (or CRT) costs: the simulated accuracy on the graph's own test data of
    // every rounding priced, and of the padded, unrounded sibling.
    const test = own.data.test;
    const n = Math.min(test.count, a['accuracy-count']);
    const raw = test.images.subarray(0, (test.images.length / test.count) * n);
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    const base = simulatedAccuracy(unrounded, raw, test.labels, n);
    console.log(`simulated accuracy on ${n} test samples of ${own.what} (the graph's own test data):`);
    const crt = circuit.stages.some((s) => s.crt);
    if (unrounded !== circuit && !candidates.includes(unrounded)) console.log(`  ${crt ? 'padded, unrounded' : 'unrounded'}: ${pct(base.accuracy)}`);
    const approximate = circuit.stages.some((s) => s.rounding === 'approximate');
    report.roundingCandidates.forEach((c, i) => {
      // Noise-free: an approximate candidate computes what its exact sibling does (the modes are compared below).
      const r = candidates[i] === unrounded ? base : simulatedAccuracy(candidates[i]!, raw, test.labels, n);
      const same = r.predictions.reduce((k, p, j) => k + (p === base.predictions[j] ? 1 : 0), 0);
      const chosen = candidates[i] === circuit;
      console.log(
        `  round bits [${c.roundBits.join(', ')}]${crt ? ' (CRT)' : ''}${approximate ? ' (exact rounding)' : ''}: ${pct(r.accuracy)}` +
          (candidates[i] === unrounded ? '' : ` (${signed(100 * (r.accuracy - base.accuracy))} points vs unrounded; same class on ${same}/${n})`) +
          (chosen && !approximate ? '  <- this circuit' : ''),
      );
    });
    if (roundingModes) {
      // The same rounding done approximately: the simulated bootstrap noise (seeded) of its own parameter set.
      const exact = simulatedAccuracy(roundingModes.exact, raw, test.labels, n);
      const rounds = `[${report.stages.map((s) => s.roundBits).join(', ')}]`;
      if (!roundingModes.approximate.parameters) {
        console.log(`  round bits ${rounds}, approximate: not simulated (no parameter set: ${report.roundingModes!.approximate.error?.slice(0, 100)})`);
      } else {
        const r = simulatedAccuracy(roundingModes.approximate, raw, test.labels, n, { noise: { seed: a['noise-seed'] } });
        const same = r.predictions.reduce((k, p, j) => k + (p === exact.predictions[j] ? 1 : 0), 0);
        console.log(
          `  round bits ${rounds}, approximate (bootstrap noise simulated, seed ${a['noise-seed']}): ${pct(r.accuracy)} ` +
            `(${signed(100 * (r.accuracy - exact.accuracy))} points vs exact rounding; same class as exact on ${same}/${n})${approximate ? '  <- this circuit' : ''}`,
        );
        const predicted = report.roundingModes!.approximate.approximation;
        r.noise?.forEach((e, i) => {
          if (e.lookups === 0) return;
          const pr = predicted?.[i];
          console.log(
            `    ${report.stages[i]!.name}: ${pct(e.offBucket / e.lookups)} of lookups off bucket, ${pct(e.changed / e.lookups)} changed value` +
              (pr ? ` (predicted on calibration data: ${pct(pr.offBucket)}, ${pct(pr.changed)})` : ''),
          );
        });
      }
    }
  },
};

/** "+1.25" / "-0.83" / "0.00". */
function signed(x: number): string {
  const v = x.toFixed(2);
  return x > 0 && v !== '0.00' ? `+${v}` : v === '-0.00' ? '0.00' : v;
}

/** The loud warning of a compile without calibration data, with what worst-case sizing costs. */
function noCalibrationWarning(why: string, report: CompileReport | undefined): string {
  const p = report?.parameters;
  const cost =
    report && p && !('error' in p)
      ? `${report.bits}-bit circuit, N = ${p.parameters.set.polynomialSize}, evaluation keys ${((p.keySizes.bootstrapKeyBytes + p.keySizes.keyswitchKeyBytes) / 2 ** 20).toFixed(1)} MiB, ` +
        `${(report.predictedInferenceMs! / 1000).toFixed(1)} s per inference (1 thread)`
      : report
        ? `${report.bits}-bit circuit${p && 'error' in p ? `, no parameters (${p.error.slice(0, 80)})` : ''}`
        : 'every accumulator at its exact worst case';
  return (
    `\nWARNING: no calibration data: ${why}.\n` +
    `WARNING: the circuit is sized on the exact worst case (${cost}); calibrated on data like the training data it is usually 1-3 bits narrower, ` +
    `with a smaller polynomial, smaller keys and faster inference. Name the data with --calibration (docs/your-own-data.md).\n`
  );
}
