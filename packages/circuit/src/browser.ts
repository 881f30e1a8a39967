// @fhenet/circuit for bundlers targeting the browser (package.json "browser" condition): the
// contract without the Node file helpers.
export const PACKAGE_NAME = '@fhenet/circuit';
export * from './contract.js';
