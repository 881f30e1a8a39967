// @fhenet/circuit — the compiler -> runtime contract: the circuit's types, its versioned file
// format (validated on read), the bit-exact simulator, the client-side input encoding and output
// decoding, the tfhe-rs parameter mapping and CRT helpers. The compiler produces circuits; the
// executor, clients, server, models and the browser page consume them through this package only.
export const PACKAGE_NAME = '@fhenet/circuit';
export * from './contract.js';
export { loadCircuit, saveCircuit } from './files.js';
