// The parameter-set type the circuit records. @fhenet/params defines TfheParameterSet in its
// src/types.ts but does not export it from its index yet; until it does, this re-states the
// fields the circuit file needs (structurally identical, so the swap is a one-line import change).
export interface TfheParameterSet {
  readonly name: string;
  readonly messageBits: number;
  readonly lweDimension: number;
  readonly glweDimension: number;
  readonly polynomialSize: number;
  readonly [field: string]: unknown;
}
