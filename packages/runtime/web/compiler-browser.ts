// What the page needs from @fhenet/compiler, imported file by file so the bundle holds only
// tfjs-free, Node-free code (the package index also pulls in the compile pipeline). The bundler
// maps '@fhenet/compiler' to this file, so runtime/src/tfhers/client.ts bundles unchanged.
export { simulate } from '../../compiler/src/simulate.js';
export { quantizeInputs, decodeOutputs, argmax } from '../../compiler/src/client.js';
export { inputSize, outputSize, channelOfOutputs } from '../../compiler/src/circuit/linear.js';
export { circuitFromJson } from '../../compiler/src/circuit/format.js';
export { newParameters, tfheRsParameters, type TfheRsShortintParameters, type TfheRsShortintApi } from '../../compiler/src/tfhers-parameters.js';
export type * from '../../compiler/src/circuit/types.js';
