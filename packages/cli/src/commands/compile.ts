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
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: 'compile <trained-graph>',
  describe: 'Compile a trained graph to an integer circuit of accumulators and table lookups',
  builder: (y) =>
    y
      .positional('trained-graph', { type: 'string', demandOption: true, describe: 'Folder (or graph.json) written by fhenet train' })
      .option('out', { type: 'string', default: 'circuit.json', describe: 'Circuit file to write' })
      .option('max-bits', { type: 'number', describe: 'Reject the model if any accumulator needs more bits' })
      .option('p-error', { type: 'number', default: 1e-6, describe: 'Error probability of one whole inference' })
      .option('calibration', {
        type: 'string',
        choices: [...DATASET_NAMES],
        describe: "Dataset whose training split calibrates the ranges (default: the graph's training.dataset)",
      })
      .option('calibration-count', { type: 'number', default: 10000, describe: 'Calibration images' })
      .option('sizing', {
        type: 'string',
        choices: ['calibration', 'worst-case'],
        describe: 'Size accumulators on calibration ranges (default when calibrating, as the paper) or the exact worst case',
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { BitWidthError, compile, formatReport, LoweringError, saveCircuit } = await import('@fhenet/compiler');
    const graph = loadTrainedGraph(a['trained-graph']);
    const sizing: Sizing | undefined = a.sizing === undefined ? undefined : a.sizing === 'worst-case' ? 'worstCase' : 'calibration';
    const named = a.calibration ?? graph.training.dataset;
    const dataset = sizing !== 'worstCase' && typeof named === 'string' && (DATASET_NAMES as readonly string[]).includes(named) ? (named as DatasetName) : undefined;
    const data = dataset ? loadDataset(dataset, { split: 'train', limit: a['calibration-count'] }) : undefined;
    let result: ReturnType<typeof compile>;
    try {
      result = compile(graph, {
        ...(a['max-bits'] !== undefined ? { maxBits: a['max-bits'] } : {}),
        pError: a['p-error'],
        ...(data ? { calibration: { raw: data.images, count: data.count } } : {}),
        ...(sizing ? { sizing } : {}),
      });
    } catch (e) {
      // A model the compiler rejects is a user-facing answer, not a crash: print it, exit 1.
      if (e instanceof BitWidthError || e instanceof LoweringError) {
        console.error(`fhenet compile: ${e.message}`);
        process.exitCode = 1;
        return;
      }
      throw e;
    }
    const { circuit, report } = result;
    saveCircuit(a.out, circuit);
    console.log(formatReport(report));
    console.log(`calibration: ${data ? `${data.count} ${dataset} training images` : 'none'}; wrote ${a.out}`);
  },
};
