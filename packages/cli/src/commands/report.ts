// `fhenet report`: the paper's Table 1 regenerated from our own runs (published models, their
// circuits, our measured encrypted latencies), as Markdown; optionally written between the
// table markers of a file (the README's Status section). Parsing only: @fhenet/experiments.
import type { CommandModule } from 'yargs';
import { PUBLISHED_MODEL_NAMES } from '@fhenet/models';
import { DEFAULT_LATENCY_LOG, REPO_ROOT } from '../paths.js';

interface ReportArgs {
  models: string;
  'latency-log': string;
  'calibrate-on': string;
  'calibration-count': number;
  out?: string;
  readme?: string;
}

export const TABLE_BEGIN = '<!-- fhenet report: begin (generated, do not edit by hand) -->';
export const TABLE_END = '<!-- fhenet report: end -->';

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: "The paper's Table 1 regenerated from our models and measured latencies (Markdown)",
  builder: (y) =>
    y
      .option('models', { type: 'string', default: PUBLISHED_MODEL_NAMES.join(','), describe: 'Published models, comma-separated' })
      .option('latency-log', {
        type: 'string',
        default: DEFAULT_LATENCY_LOG,
        describe: 'Measured latencies (JSON, appended by fhenet bench --record and the inference benchmark)',
      })
      .option('calibrate-on', { type: 'string', default: 'mnist-fcnn-narrow-150', describe: 'Measured model that calibrates predicted latencies' })
      .option('calibration-count', { type: 'number', default: 10000, describe: 'Calibration images for models without a committed circuit' })
      .option('out', { type: 'string', describe: 'Write the Markdown to this file' })
      .option('readme', { type: 'string', describe: `Replace the table between the report markers of this file (e.g. README.md)` }),
  handler: async (a) => {
    const { existsSync, readFileSync, writeFileSync } = await import('node:fs');
    const { isAbsolute, join } = await import('node:path');
    const { loadDataset } = await import('@fhenet/datasets');
    const { latencyLogMeasurements, latencyModel, modelFacts, readLatencyLog, table1Markdown, table1Rows } = await import('@fhenet/experiments');
    const at = (p: string) => (isAbsolute(p) || existsSync(p) ? p : join(REPO_ROOT, p));
    const logPath = at(a['latency-log']);
    const measured = existsSync(logPath) ? latencyLogMeasurements(readLatencyLog(logPath), a['latency-log']) : [];
    if (measured.length === 0) console.error(`no measured encrypted inferences in ${logPath}`);
    // The newest exact measurement of the calibration model (records are in time order).
    const ref = [...measured].reverse().find((m) => m.model === a['calibrate-on'] && m.exact && m.parameterSet !== null);
    const latency = ref ? latencyModel(ref) : null;
    let calibration: ReturnType<typeof loadDataset> | undefined;
    let test: ReturnType<typeof loadDataset> | undefined;
    const names = a.models
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const facts = names.map((n) => {
      console.error(`${n}...`);
      return modelFacts(
        n,
        () => (calibration ??= loadDataset('mnist', { split: 'train', limit: a['calibration-count'] })),
        () => (test ??= loadDataset('mnist', { split: 'test' })),
      );
    });
    const md = table1Markdown(table1Rows(facts, measured, latency), {
      date: new Date().toISOString(),
      command: `fhenet ${process.argv.slice(2).join(' ')}`,
      latency,
    });
    console.log(md);
    if (a.out) writeFileSync(a.out, md);
    if (a.readme) {
      const text = readFileSync(a.readme, 'utf8');
      const i = text.indexOf(TABLE_BEGIN);
      const j = text.indexOf(TABLE_END);
      if (i < 0 || j < i) throw new Error(`${a.readme}: no "${TABLE_BEGIN}" ... "${TABLE_END}" markers to write the table between`);
      writeFileSync(a.readme, `${text.slice(0, i + TABLE_BEGIN.length)}\n${md}${text.slice(j)}`);
      console.error(`wrote the table into ${a.readme}`);
    }
  },
};
