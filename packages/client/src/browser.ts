// @fhenet/client for bundlers targeting the browser (package.json "browser" condition): the
// tfhe-rs client over Zama's `tfhe` wasm package and the service's wire types; nothing native,
// nothing from Node.
export { TfheRsClient, type ShortintModule } from './tfhe-rs/client.js';
export type { DecodedOutputs, EncryptedInferenceClient } from './inference-client.js';
export type { ServiceCircuitInfo, InputEncoding, OutputEncoding, TfheRsInfo, WebSample, KeyRegistration } from './http/types.js';
