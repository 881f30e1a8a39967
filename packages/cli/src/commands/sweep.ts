// `fhenet sweep`: trains and compiles one model family over a grid of active synapses per neuron,
// ranges and bit-widths; writes points/<key>.json (resumable), sweep.json, sweep.csv and the
// figures. Parsing only: the work is @fhenet/experiments' runSweep.
import type { CommandModule } from 'yargs';
import { MODEL_NAMES, type ModelName } from '@fhenet/training/format';
import { DEFAULT_LATENCY_LOG, REPO_ROOT } from '../paths.js';

interface SweepArgs {
  model: string;
  active: string;
  ranges: string;
  bits: string;
  epochs: number;
  'batch-size': number;
  lr: number;
  seed: number;
  'train-limit'?: number;
  'calibration-count': number;
  'test-limit'?: number;
  'p-error': number;
  'latency-log': string;
  'calibrate-on': string;
  png: boolean;
  out: string;
  redis?: string;
  'fleet-prefix': string;
}

const list = (s: string, what: string) => {
  const items = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`--${what}: give a comma-separated list, got "${s}"`);
  return items;
};

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep',
  describe: 'Train + compile a model family over active synapses x range x bits; CSV, JSON and figures (resumable)',
  builder: (y) =>
    y
      .option('model', { type: 'string', choices: [...MODEL_NAMES], default: 'fcnn' })
      .option('active', {
        type: 'string',
        default: '10,20,30,50,70,90,120,150,190,all',
        describe: "Active synapses per neuron, comma-separated ('all' = no pruning)",
      })
      .option('ranges', { type: 'string', default: 'narrow,wide', describe: 'Quantizer ranges, comma-separated' })
      .option('bits', { type: 'string', default: '2/2', describe: 'weight/activation bits pairs, comma-separated, e.g. 2/2,3/3' })
      .option('epochs', { type: 'number', default: 3, describe: 'Epochs per point' })
      .option('batch-size', { type: 'number', default: 128 })
      .option('lr', { type: 'number', default: 0.005 })
      .option('seed', { type: 'number', default: 1 })
      .option('train-limit', { type: 'number', describe: 'Use only the first N training images' })
      .option('calibration-count', { type: 'number', default: 10000, describe: 'Training images that size each circuit (the paper: calibration)' })
      .option('test-limit', { type: 'number', describe: 'Score the simulated circuit on the first N test images (default: all)' })
      .option('p-error', { type: 'number', default: 1e-6, describe: 'Error probability of one inference (parameter choice)' })
      .option('latency-log', { type: 'string', default: DEFAULT_LATENCY_LOG, describe: 'Measured latencies (JSON) that calibrate predicted latency' })
      .option('calibrate-on', { type: 'string', default: 'mnist-fcnn-narrow-150', describe: 'Which measured model calibrates the cost model' })
      .option('png', { type: 'boolean', default: true, describe: 'Also rasterize the figures to PNG' })
      .option('out', { type: 'string', default: 'results/fcnn-sweep', describe: 'Output folder' })
      .option('redis', {
        type: 'string',
        describe: 'Run the grid points on a worker fleet through this Redis (fhenet worker --redis URL; docs/deployment.md); the same files as a local sweep',
      })
      .option('fleet-prefix', { type: 'string', default: 'fhenet', describe: "The fleet's queue and key prefix (with --redis)" }),
  handler: async (a) => {
    const { latencyLogMeasurements, latencyModel, readLatencyLog, runSweep } = await import('@fhenet/experiments');
    const { existsSync } = await import('node:fs');
    const { isAbsolute, join } = await import('node:path');
    const logPath = isAbsolute(a['latency-log']) || existsSync(a['latency-log']) ? a['latency-log'] : join(REPO_ROOT, a['latency-log']);
    const records = existsSync(logPath) ? latencyLogMeasurements(readLatencyLog(logPath), a['latency-log']) : [];
    // The newest exact measurement of the calibration model (records are in time order).
    const measured = [...records].reverse().find((m) => m.model === a['calibrate-on'] && m.exact && m.parameterSet !== null);
    if (!measured) console.log(`no exact measurement of ${a['calibrate-on']} in ${logPath}: predicted latency left empty`);
    const latency = measured ? latencyModel(measured) : null;
    if (latency) console.log(`predicted latency calibrated on ${latency.calibratedOn}`);
    const bits = list(a.bits, 'bits').map((b) => {
      const [w, x] = b.split('/').map(Number);
      if (!Number.isInteger(w) || !Number.isInteger(x)) throw new Error(`--bits: expected weight/activation pairs like 2/2, got "${b}"`);
      return { weightBits: w!, actBits: x! };
    });
    const active = list(a.active, 'active').map((v) => {
      if (v === 'all') return 'all' as const;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--active: expected integers >= 1 or 'all', got "${v}"`);
      return n;
    });
    const ranges = list(a.ranges, 'ranges').map((r) => {
      if (r !== 'narrow' && r !== 'wide') throw new Error(`--ranges: expected narrow and/or wide, got "${r}"`);
      return r;
    });
    const settings = {
      epochs: a.epochs,
      batchSize: a['batch-size'],
      learningRate: a.lr,
      seed: a.seed,
      ...(a['train-limit'] !== undefined ? { trainLimit: a['train-limit'] } : {}),
      calibrationCount: a['calibration-count'],
      ...(a['test-limit'] !== undefined ? { testLimit: a['test-limit'] } : {}),
      pError: a['p-error'],
    };
    const log = (l: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${l}`);
    const fleet = a.redis ? await (await import('@fhenet/fleet')).Fleet.connect({ url: a.redis, prefix: a['fleet-prefix'], log }) : null;
    const remote = fleet ? (await import('@fhenet/fleet')).fleetPointRunner(fleet, settings, latency) : null;
    const outcome = await runSweep({
      grid: { model: a.model as ModelName, dataset: 'mnist', active, ranges, bits },
      settings,
      out: a.out,
      latency,
      png: a.png,
      command: `fhenet ${process.argv.slice(2).join(' ')}`,
      log,
      ...(remote ? { runPoint: remote.run } : {}),
    }).finally(async () => {
      await remote?.close();
      await fleet?.close();
    });
    console.log(`sweep: ${outcome.computed.length} point(s) computed, ${outcome.reused.length} reused; wrote ${outcome.files.join(', ')}`);
  },
};
