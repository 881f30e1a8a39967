// The on-disk manifest (JSON) of a trained graph. Large arrays live in a little-endian payload
// (graph.bin) and the manifest points into it with PayloadRef records.

import type { RangeMode } from './vocab.js';

/** A slice of the payload: float32 little-endian, or a bitset (bit i = byte i>>3, bit i&7). */
export interface PayloadRef {
  readonly dtype: 'float32' | 'bitset';
  readonly shape: readonly number[];
  /** Byte offset into the payload; a multiple of 4. */
  readonly offset: number;
  /** float32: 4 * product(shape); bitset: ceil(product(shape) / 8). */
  readonly byteLength: number;
}

export interface QuantizerJson {
  readonly bits: number;
  readonly signed: boolean;
  readonly range: RangeMode;
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly axis?: number;
}

interface LayerJsonBase {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
}

export type LayerJson =
  | (LayerJsonBase & {
      readonly type: 'dense';
      readonly units: number;
      readonly weights: PayloadRef;
      readonly bias: PayloadRef | null;
      readonly mask: PayloadRef;
      readonly weightQuantizer: QuantizerJson;
      /** v3 only: the accumulator budget the integer weights keep. */
      readonly accumulatorBits?: number;
    })
  | (LayerJsonBase & {
      readonly type: 'conv2d';
      readonly filters: number;
      readonly kernelSize: readonly [number, number];
      readonly strides: readonly [number, number];
      readonly padding: 'same' | 'valid';
      readonly weights: PayloadRef;
      readonly bias: PayloadRef | null;
      readonly mask: PayloadRef;
      readonly weightQuantizer: QuantizerJson;
      /** v3 only: the accumulator budget the integer weights keep. */
      readonly accumulatorBits?: number;
    })
  | (LayerJsonBase & {
      readonly type: 'batchNorm';
      readonly gamma: PayloadRef;
      readonly beta: PayloadRef;
      readonly movingMean: PayloadRef;
      readonly movingVariance: PayloadRef;
      readonly epsilon: number;
    })
  | (LayerJsonBase & { readonly type: 'activation'; readonly activation: string; readonly alpha?: number })
  | (LayerJsonBase & { readonly type: 'quantizer'; readonly quantizer: QuantizerJson })
  | (LayerJsonBase & {
      readonly type: 'avgPool2d';
      readonly poolSize: readonly [number, number];
      readonly strides: readonly [number, number];
      readonly padding: 'valid';
    })
  | (LayerJsonBase & { readonly type: 'flatten' });

export interface TrainedGraphManifest {
  readonly format: 'fhenet-trained-graph';
  readonly version: number;
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly inputScaling: { readonly divisor: number };
  readonly numClasses: number;
  readonly inputQuantizer: QuantizerJson;
  readonly layers: readonly LayerJson[];
  /** The payload file, relative to the manifest, its size and SHA-256 (hex). */
  readonly payload: { readonly file: string; readonly byteLength: number; readonly sha256: string };
  readonly training: Record<string, unknown>;
  /** v2 only: the DataDescription of @fhenet/datasets, as JSON. */
  readonly data?: unknown;
}
