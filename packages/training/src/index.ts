// @fhenet/training — public API. Each module re-exported here is documented in its own file.
export const PACKAGE_NAME = '@fhenet/training';
// The trained-graph format: types, reader, writer. Does not load TensorFlow.js.
export * from './format/index.js';
// Backend selection and the wasm gradient-kernel fixes (these load TensorFlow.js).
export { initBackend, currentBackend, type BackendOptions, type BackendInfo, type BackendName } from './backend/setup.js';
export { registerGradientFixes } from './backend/kernels.js';
