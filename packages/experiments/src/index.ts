// @fhenet/experiments — experiments over the whole pipeline (training -> compiler -> cost model):
// active-synapse sweeps with their CSV/JSON/figures, and the paper's Table 1 regenerated from our
// own runs. Sits above training, compiler and params, like the CLI. Training (tfjs) is loaded only
// when a sweep point actually trains, so reading results and drawing figures stay light.
export const PACKAGE_NAME = '@fhenet/experiments';
export { expandGrid, pointKey, type BitPair, type RangeMode, type SweepGrid, type SweepPoint, type SweepSettings } from './grid.js';
export {
  CSV_COLUMNS,
  POINT_FORMAT,
  SWEEP_FORMAT,
  SWEEP_FORMAT_VERSION,
  readPoint,
  readSweep,
  toCsv,
  validatePoint,
  type LayerBits,
  type PointResult,
  type PredictedLatency,
  type SweepResults,
} from './results.js';
export type { MeasuredInference } from './latency-log.js';
export { latencyModel, secondsPerPbs, type LatencyModel } from './latency.js';
export { runPoint, simulatedAccuracy, type PointData, type PointOptions } from './point.js';
export { runSweep, writeSweepOutputs, FIGURE_FILES, type SweepOptions, type SweepOutcome } from './sweep.js';
export { accumulatorFigure, accuracyFigure } from './figures.js';
export { lineChartSvg, niceTicks, type ChartSpec, type Series } from './plot/svg.js';
export { svgToPng } from './plot/png.js';
export { PAPER_CITATION, PAPER_TABLE_1, paperRow, type PaperRow } from './paper-table1.js';
export { table1Rows, table1Markdown, type ModelFacts, type Table1Row, type Table1Meta } from './report.js';
export { modelFacts } from './model-facts.js';
export {
  LATENCY_LOG_FORMAT,
  LATENCY_LOG_VERSION,
  appendLatencyRecord,
  latencyLogMeasurements,
  readLatencyLog,
  type LatencyLog,
  type LatencyRecord,
} from './latency-log.js';
