// Compact JSON form of typed arrays: little-endian bytes in base64, with the narrowest integer type
// that holds every value (tables and weights are mostly int8), and the length stated so a truncated
// or padded payload is caught on load.

import { CircuitFormatError, show } from './errors.js';

export type IntDtype = 'int8' | 'int16' | 'int32';
export type FloatDtype = 'float32' | 'float64';

export interface ArrayJson<D extends string> {
  readonly dtype: D;
  readonly length: number;
  readonly base64: string;
}

const INT_CTORS = { int8: Int8Array, int16: Int16Array, int32: Int32Array } as const;
const FLOAT_CTORS = { float32: Float32Array, float64: Float64Array } as const;

// Typed arrays use the platform byte order; the format is little-endian.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('@fhenet/circuit needs a little-endian platform');

// Node's Buffer when there is one (fast), else the platform's atob/btoa: the same module reads
// circuits in the browser page, which has no Buffer.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

function toBase64(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(text: string): Uint8Array {
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(text, 'base64'));
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function encodeInts(values: Int32Array): ArrayJson<IntDtype> {
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const dtype: IntDtype = min >= -128 && max <= 127 ? 'int8' : min >= -32768 && max <= 32767 ? 'int16' : 'int32';
  return { dtype, length: values.length, base64: toBase64(INT_CTORS[dtype].from(values)) };
}

/** float32 when every value survives the round trip, float64 otherwise. */
export function encodeFloats(values: Float64Array): ArrayJson<FloatDtype> {
  const f32 = Float32Array.from(values);
  const exact = f32.every((v, i) => Object.is(v, values[i]));
  return exact ? { dtype: 'float32', length: values.length, base64: toBase64(f32) } : { dtype: 'float64', length: values.length, base64: toBase64(values) };
}

function decodeBytes(
  json: unknown,
  source: string,
  field: string,
  dtypes: readonly string[],
  expectedLength?: number,
): { dtype: string; bytes: Uint8Array; length: number } {
  if (typeof json !== 'object' || json === null) throw new CircuitFormatError(source, field, '{ dtype, length, base64 }', show(json));
  const { dtype, length, base64 } = json as Record<string, unknown>;
  if (typeof dtype !== 'string' || !dtypes.includes(dtype)) throw new CircuitFormatError(source, `${field}.dtype`, `one of ${dtypes.join(', ')}`, show(dtype));
  if (!Number.isSafeInteger(length) || (length as number) < 0) throw new CircuitFormatError(source, `${field}.length`, 'a non-negative integer', show(length));
  if (expectedLength !== undefined && length !== expectedLength) throw new CircuitFormatError(source, `${field}.length`, String(expectedLength), show(length));
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64))
    throw new CircuitFormatError(source, `${field}.base64`, 'a base64 string', show(base64));
  const bytes = fromBase64(base64);
  const width = ({ int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as Record<string, number>)[dtype]!;
  if (bytes.length !== (length as number) * width) {
    throw new CircuitFormatError(source, `${field}.base64`, `${(length as number) * width} bytes (${String(length)} x ${dtype})`, `${bytes.length} bytes`);
  }
  return { dtype, bytes, length: length as number };
}

export function decodeInts(json: unknown, source: string, field: string, expectedLength?: number): Int32Array {
  const { dtype, bytes, length } = decodeBytes(json, source, field, Object.keys(INT_CTORS), expectedLength);
  const aligned = new Uint8Array(bytes); // copy: the bytes may sit unaligned for Int16/Int32 views
  const Ctor = INT_CTORS[dtype as IntDtype] as Int32ArrayConstructor; // same constructor signature
  return Int32Array.from(new Ctor(aligned.buffer, 0, length));
}

export function decodeFloats(json: unknown, source: string, field: string, expectedLength?: number): Float64Array {
  const { dtype, bytes, length } = decodeBytes(json, source, field, Object.keys(FLOAT_CTORS), expectedLength);
  const aligned = new Uint8Array(bytes);
  const Ctor = FLOAT_CTORS[dtype as FloatDtype] as Float64ArrayConstructor;
  return Float64Array.from(new Ctor(aligned.buffer, 0, length));
}
