// @fhenet/training — public API. Each module re-exported here is documented in its own file.
export const PACKAGE_NAME = '@fhenet/training';
// The trained-graph format: types, reader, writer. Does not load TensorFlow.js.
export * from './format/index.js';
