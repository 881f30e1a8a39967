// `fhenet compile <trained-graph>`: parses arguments, loads the calibration images and calls
// @fhenet/compiler; prints the compile report and writes the circuit file. No logic here.
import type { CommandModule } from 'yargs';
import type { Sizing } from '@fhenet/compiler';
import { DATASET_NAMES, loadDataset, type DatasetName } from '@fhenet/datasets';
import { loadTrainedGraph } from '@fhenet/training/format';

interface CompileArgs {
  'trained-graph': string;
  out: string;
  'max-bits'?: number;
  'p-error': number;
  calibration?: string;
  'calibration-count': number;
  sizing?: string;
  'round-bits': string;
  'accuracy-count': number;
  'tfhe-rs-params'?: string;
  'clear-first-layer': boolean;
  crt: boolean;
  'crt-max-modulus'?: number;
}

/** --round-bits: "auto", one k for every lookup stage, or a comma-separated k per stage. */
function parseRoundBits(v: string): number | readonly number[] | 'auto' | Error {
  if (v === 'auto') return 'auto';
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((s) => !/^\d+$/.test(s))) return new Error(`--round-bits: expected "auto", an integer k, or one integer per stage (e.g. 4,4,0), got "${v}"`);
  const ks = parts.map(Number);
  return ks.length === 1 ? ks[0]! : ks;
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: 'compile <trained-graph>',
  describe: 'Compile a trained graph to an integer circuit of accumulators and table lookups',
  builder: (y) =>
    y
      .positional('trained-graph', { type: 'string', demandOption: true, describe: 'Published model name (fhenet models), or a folder / graph.json written by fhenet train' })
      .option('out', { type: 'string', default: 'circuit.json', describe: 'Circuit file to write' })
      .option('max-bits', { type: 'number', describe: 'Reject the model if any accumulator needs more bits' })
      .option('p-error', { type: 'number', default: 1e-6, describe: 'Error probability of one whole inference' })
      .option('calibration', {
        type: 'string',
        choices: [...DATASET_NAMES],
        describe: "Dataset whose training split calibrates the ranges (default: the graph's training.dataset)",
      })
      .option('calibration-count', { type: 'number', default: 10000, describe: 'Calibration images' })
      .option('round-bits', {
        type: 'string',
        default: '0',
        describe:
          'Low accumulator bits each lookup stage rounds away exactly before its table (k-1 extra PBS per neuron, much cheaper parameters): ' +
          '"auto" (least predicted latency), k for every lookup stage, or one k per stage (e.g. 4,4,0); 0 = no rounding',
      })
      .option('accuracy-count', {
        type: 'number',
        default: 10000,
        describe: 'When calibrating: test images on which the simulated accuracy of the circuit (and of its unrounded sibling) is reported; 0 to skip',
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
    const { BitWidthError, compile, formatReport, LoweringError } = await import('@fhenet/compiler');
    const { saveCircuit, simulatedAccuracy, tfheRsParametersDocument } = await import('@fhenet/circuit');
    const { modelDir, PUBLISHED_MODEL_NAMES } = await import('@fhenet/models');
    const graph = loadTrainedGraph(PUBLISHED_MODEL_NAMES.includes(a['trained-graph']) ? modelDir(a['trained-graph']) : a['trained-graph']);
    const sizing: Sizing | undefined = a.sizing === undefined ? undefined : a.sizing === 'worst-case' ? 'worstCase' : 'calibration';
    const named = a.calibration ?? graph.training.dataset;
    const dataset = sizing !== 'worstCase' && typeof named === 'string' && (DATASET_NAMES as readonly string[]).includes(named) ? (named as DatasetName) : undefined;
    const data = dataset ? loadDataset(dataset, { split: 'train', limit: a['calibration-count'] }) : undefined;
    const roundBits = parseRoundBits(a['round-bits']);
    if (roundBits instanceof Error) {
      console.error(`fhenet compile: ${roundBits.message}`);
      process.exitCode = 1;
      return;
    }
    if (a['crt-max-modulus'] !== undefined && !a.crt) {
      console.error('fhenet compile: --crt-max-modulus needs --crt');
      process.exitCode = 1;
      return;
    }
    let result: ReturnType<typeof compile>;
    try {
      result = compile(graph, {
        ...(a['max-bits'] !== undefined ? { maxBits: a['max-bits'] } : {}),
        pError: a['p-error'],
        ...(data ? { calibration: { raw: data.images, count: data.count } } : {}),
        ...(sizing ? { sizing } : {}),
        roundBits,
        ...(a['clear-first-layer'] ? { clearFirstLayer: true } : {}),
        ...(a.crt ? { crt: true } : {}),
        ...(a['crt-max-modulus'] !== undefined ? { crtMaxModulus: a['crt-max-modulus'] } : {}),
      });
    } catch (e) {
      // A model the compiler rejects is a user-facing answer, not a crash: print it, exit 1.
      if (e instanceof BitWidthError || e instanceof LoweringError || e instanceof RangeError) {
        console.error(`fhenet compile: ${e.message}`);
        process.exitCode = 1;
        return;
      }
      throw e;
    }
    const { circuit, report, unrounded } = result;
    saveCircuit(a.out, circuit);
    console.log(formatReport(report));
    for (const c of report.clearStages ?? []) {
      console.log(`clear stage (client, not encrypted): ${c.name} ${c.kind}, ${c.outputs} outputs, exact ${c.bits}-bit tables (worst case); the ${report.bits}-bit circuit starts after it`);
    }
    console.log(`calibration: ${data ? `${data.count} ${dataset} training images` : 'none'}; wrote ${a.out}`);
    if (a['tfhe-rs-params'] !== undefined) {
      if (!circuit.parameters) {
        console.error(`fhenet compile: --tfhe-rs-params: circuit "${circuit.name}" has no TFHE parameter set (see the parameters line above); nothing written`);
        process.exitCode = 1;
      } else {
        const { writeFileSync } = await import('node:fs');
        const doc = tfheRsParametersDocument(circuit.parameters.set);
        writeFileSync(a['tfhe-rs-params'], `${JSON.stringify({ ...doc, circuit: circuit.name }, null, 2)}\n`);
        console.log(`tfhe-rs client parameters (${doc.refused ? 'refused, with the reason' : 'Shortint.new_parameters arguments'}) written to ${a['tfhe-rs-params']}`);
      }
    }
    if (dataset && a['accuracy-count'] > 0) {
      // What rounding (or CRT) changes: the simulated test accuracy of this circuit next to its
      // padded, unrounded sibling.
      const test = loadDataset(dataset, { split: 'test', limit: a['accuracy-count'] });
      const mine = simulatedAccuracy(circuit, test.images, test.labels, test.count);
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      if (unrounded === circuit) {
        console.log(`simulated accuracy on ${test.count} ${dataset} test images: ${pct(mine.accuracy)}`);
      } else {
        const base = simulatedAccuracy(unrounded, test.images, test.labels, test.count);
        const same = mine.predictions.reduce((n, c, i) => n + (c === base.predictions[i] ? 1 : 0), 0);
        const crt = circuit.stages.some((s) => s.crt);
        const kind = crt ? (circuit.stages.some((s) => s.roundBits > 0) ? 'CRT + rounded' : 'CRT') : 'rounded';
        console.log(
          `simulated accuracy on ${test.count} ${dataset} test images: ${kind} ${pct(mine.accuracy)}, ${crt ? 'padded ' : ''}unrounded ${pct(base.accuracy)} ` +
            `(${crt ? 'CRT changes' : 'rounding costs'} ${(100 * (base.accuracy - mine.accuracy)).toFixed(2)} points; same class on ${same}/${test.count})`,
        );
      }
    }
  },
};
