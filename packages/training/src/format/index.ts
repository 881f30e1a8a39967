// The trained-graph format (training -> compiler). tfjs-free: safe to import from the compiler.
export * from './types.js';
export type { TrainedGraphManifest, LayerJson, PayloadRef, QuantizerJson } from './manifest.js';
export { TrainedGraphError } from './errors.js';
export { validateGraph, validateQuantizer } from './validate.js';
export { encodeTrainedGraph, decodeTrainedGraph, DEFAULT_PAYLOAD_FILE } from './codec.js';
export { saveTrainedGraph, loadTrainedGraph, MANIFEST_FILE, MAX_GRAPH_MANIFEST_BYTES, MAX_GRAPH_PAYLOAD_BYTES, GRAPH_JSON_LIMITS } from './files.js';
export { MAX_GRAPH_VALUES } from './validate.js';
export { intRangeOf, roundHalfEven, quantizeValue, quantizeWeights } from './quantizer-range.js';
export { graphAccumulators, a2qL1Budget, channelL1Norms, inputSpanOf, type LayerAccumulator } from './accumulators.js';
// The zoo's model names (a trained graph records one in training.model); tfjs-free.
export { MODEL_NAMES, type ModelName } from '../models/names.js';
