// The quantizer vocabulary the format uses. Mirrors @fhenet/quantization's types.ts structurally;
// re-pointed to that package once its index exports the types.
export type RangeMode = 'narrow' | 'wide';
export interface QuantSpec {
  readonly bits: number;
  readonly signed: boolean;
  readonly range: RangeMode;
}
export interface QuantParams extends QuantSpec {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly axis?: number;
}
export interface IntRange {
  readonly min: number;
  readonly max: number;
}
