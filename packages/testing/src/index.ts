// @fhenet/testing (private, tests and benches only): fixtures shared by the packages' tests, so
// that no test reaches into another package's folder: hand-made circuits, stages and trained
// graphs, seeded randomness, the published parameter sets tests run on, and a tracker of the
// engine's ciphertext batches for the memory tests.
export * from './circuits.js';
export * from './graphs.js';
export * from './sets.js';
export * from './stage-fixtures.js';
export * from './banded-fixtures.js';
export * from './batch-tracking.js';
export * from './data-files.js';
export { TINY_MNIST_CIRCUIT } from './fixture-files.js';
export { exactSibling, exactSiblingFile } from './exact-sibling.js';
