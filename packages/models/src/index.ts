// @fhenet/models — the published pretrained models (models/ at the repository root), by name.
// Its own small package because both the CLI and library users need it and neither should pay
// for TensorFlow.js or the native engine to look a model up: it depends only on the tfjs-free
// trained-graph reader (@fhenet/training/format) and the circuit reader (@fhenet/compiler).
export const PACKAGE_NAME = '@fhenet/models';
export { PUBLISHED_MODELS, PUBLISHED_MODEL_NAMES, publishedModel, type PublishedModel } from './registry.js';
export { MODELS_DIR, CIRCUIT_FILE, MODEL_CARD_FILE, modelDir, loadModel, type LoadedModel } from './load.js';
