// What one sample of a data set is and how its stored values become the bytes every later stage
// reads (the "domain"), recorded with a trained graph and its circuit so that compile, encrypt and
// predict treat new data exactly as training did, and refuse data of another domain.

// No Node built-in here: the browser client reads circuits, and their `data`, with this module
// (@fhenet/datasets/domain); SHA-256 is @noble/hashes'.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { DatasetFormatError } from './errors.js';

/** Images ([h, w, c] pixels) or tables ([n] numeric features per row). */
export type DataLayout = 'image' | 'table';

/**
 * Stored value v of channel c (the last axis: an image channel, a table feature) -> byte p:
 * - `bytes`: v is already a byte, p = v (it must be an integer in [0, 255]);
 * - `minmax`: p = clamp(round((v - min[c]) * (255 / (max[c] - min[c]))), 0, 255), p = 0 when
 *   max[c] == min[c]; min and max are those of the training split, so unseen values clamp.
 * The byte then becomes the float input x = p / inputScaling.divisor (255) as for MNIST.
 */
export type InputEncoding = { readonly kind: 'bytes' } | { readonly kind: 'minmax'; readonly min: readonly number[]; readonly max: readonly number[] };

export interface DataDomain {
  /** Where samples of this domain come from: a file format (csv, idx, npy, npz, images) or a built-in data set name. */
  readonly origin: string;
  readonly layout: DataLayout;
  /** Per-sample shape: [h, w, c] for images, [n] for tables. */
  readonly sampleShape: readonly number[];
  /** One name per class index. */
  readonly classNames: readonly string[];
  /** Tables read from a CSV with a header: every column name in file order (the label's too). */
  readonly columns?: readonly string[];
  /** Tables read from a CSV: index of the label column in the file's columns. */
  readonly labelColumn?: number;
  readonly encoding: InputEncoding;
  /** SHA-256 (hex) of every field above: equal fingerprints, same domain. */
  readonly fingerprint: string;
}

/** The domain fields without the fingerprint, which is computed from them. */
export type DomainFields = Omit<DataDomain, 'fingerprint'>;

/** The last axis: what the encoding and the statistics are per. */
export function channelsOf(sampleShape: readonly number[]): number {
  return sampleShape[sampleShape.length - 1]!;
}

function canonical(d: DomainFields): string {
  return JSON.stringify([
    d.origin,
    d.layout,
    d.sampleShape,
    d.classNames,
    d.columns ?? null,
    d.labelColumn ?? null,
    d.encoding.kind === 'bytes' ? ['bytes'] : ['minmax', d.encoding.min, d.encoding.max],
  ]);
}

export function withFingerprint(d: DomainFields): DataDomain {
  return { ...d, fingerprint: bytesToHex(sha256(utf8ToBytes(canonical(d)))) };
}

/**
 * Encodes `values` (count x sampleSize, channels last) to bytes. `where(i)` names flat value i in an
 * error (e.g. "sample 3, channel 1"), for a value the encoding cannot take.
 */
export function encodeValues(values: ArrayLike<number>, encoding: InputEncoding, channels: number, source: string, where: (i: number) => string): Uint8Array {
  const out = new Uint8Array(values.length);
  if (encoding.kind === 'bytes') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 255) {
        throw new DatasetFormatError(source, where(i), 'an integer byte in [0, 255] (the data was trained on bytes)', `${v}`);
      }
      out[i] = v;
    }
    return out;
  }
  const { min, max } = encoding;
  if (min.length !== channels || max.length !== channels) {
    throw new RangeError(`encodeValues: minmax encoding has ${min.length}/${max.length} entries, the data ${channels} channels`);
  }
  const mul = min.map((lo, c) => (max[c]! > lo ? 255 / (max[c]! - lo) : 0));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new DatasetFormatError(source, where(i), 'a finite number', `${v}`);
    const c = i % channels;
    out[i] = Math.min(255, Math.max(0, Math.round((v - min[c]!) * mul[c]!)));
  }
  return out;
}

/** Per-channel min and max of count x (.. x channels) finite values: the training split's minmax encoding. */
export function fitMinMax(values: ArrayLike<number>, channels: number): InputEncoding {
  const min = new Array<number>(channels).fill(Infinity);
  const max = new Array<number>(channels).fill(-Infinity);
  for (let i = 0; i < values.length; i++) {
    const c = i % channels;
    const v = values[i]!;
    if (v < min[c]!) min[c] = v;
    if (v > max[c]!) max[c] = v;
  }
  return { kind: 'minmax', min, max };
}

/** Per-channel mean and standard deviation of encoded bytes: how a split looks, to compare another with. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export function channelStats(bytes: Uint8Array, channels: number): ChannelStats {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < bytes.length; i++) {
    const c = i % channels;
    sum[c]! += bytes[i]!;
    sq[c]! += bytes[i]! * bytes[i]!;
  }
  const n = Math.max(1, bytes.length / channels);
  const mean = Array.from(sum, (s) => s / n);
  // Rounded so that the JSON stays short; the drift check needs no more.
  return {
    mean: mean.map((m) => Number(m.toFixed(4))),
    std: Array.from(sq, (s, c) => Number(Math.sqrt(Math.max(0, s / n - mean[c]! ** 2)).toFixed(4))),
  };
}

/** The first field where `got` differs from `expected` (the graph's domain), or null when they are the same domain. */
export function domainMismatch(expected: DataDomain, got: DataDomain): string | null {
  const show = (v: unknown) => JSON.stringify(v);
  const fields: [string, unknown, unknown][] = [
    ['origin (format or data set)', expected.origin, got.origin],
    ['layout', expected.layout, got.layout],
    ['sample shape', expected.sampleShape, got.sampleShape],
    ['class names', expected.classNames, got.classNames],
    ['columns', expected.columns ?? null, got.columns ?? null],
    ['label column', expected.labelColumn ?? null, got.labelColumn ?? null],
    ['encoding', expected.encoding, got.encoding],
  ];
  for (const [name, a, b] of fields) if (show(a) !== show(b)) return `${name}: expected ${show(a)}, got ${show(b)}`;
  return null;
}

/**
 * Channels whose mean (in bytes) moved further than a quarter of the training standard deviation
 * and further than 5 standard errors of a `count`-sample mean: data of another distribution,
 * not a sample of the same one. Empty when none did.
 */
export function statsDrift(train: ChannelStats, other: Pick<ChannelStats, 'mean'>, count: number): string[] {
  const out: string[] = [];
  train.mean.forEach((m, c) => {
    const sd = Math.max(train.std[c]!, 1);
    const limit = Math.max(0.25 * sd, (5 * sd) / Math.sqrt(Math.max(1, count)));
    const d = Math.abs(other.mean[c]! - m);
    if (d > limit)
      out.push(`channel ${c}: mean ${other.mean[c]!.toFixed(1)} vs ${m.toFixed(1)} in training (std ${sd.toFixed(1)}; allowed +-${limit.toFixed(1)})`);
  });
  return out;
}

/** How a JSON reader reports a bad field (each format throws its own error type). */
export type Fail = (field: string, expected: string, got: unknown) => never;

type Obj = Record<string, unknown>;

/** Validating reader of a domain written as JSON; checks the fingerprint against the fields. */
export function dataDomainFromJson(json: unknown, fail: Fail, field: string): DataDomain {
  const o = asObj(json, fail, field);
  const str = (v: unknown, f: string) => (typeof v === 'string' && v.length > 0 ? v : fail(`${field}.${f}`, 'a non-empty string', v));
  const origin = str(o.origin, 'origin');
  const layout = o.layout === 'image' || o.layout === 'table' ? o.layout : fail(`${field}.layout`, '"image" or "table"', o.layout);
  const shapeOk =
    Array.isArray(o.sampleShape) && o.sampleShape.length === (layout === 'image' ? 3 : 1) && o.sampleShape.every((d) => Number.isSafeInteger(d) && d > 0);
  const sampleShape = shapeOk
    ? (o.sampleShape as number[])
    : fail(`${field}.sampleShape`, layout === 'image' ? '[h, w, c] of positive integers' : '[n], a positive integer', o.sampleShape);
  const names = (v: unknown, f: string, min: number) =>
    Array.isArray(v) && v.length >= min && v.every((s) => typeof s === 'string')
      ? (v as string[])
      : fail(`${field}.${f}`, `an array of at least ${min} strings`, v);
  const classNames = names(o.classNames, 'classNames', 1);
  if (classNames.length > 256) fail(`${field}.classNames`, 'at most 256 classes', classNames.length);
  const channels = channelsOf(sampleShape);
  const columns = o.columns === undefined ? undefined : names(o.columns, 'columns', 2);
  if (columns && (layout !== 'table' || columns.length !== channels + 1))
    fail(`${field}.columns`, `${channels + 1} names (the features and the label) on a table`, columns.length);
  const labelColumn =
    o.labelColumn === undefined
      ? undefined
      : Number.isSafeInteger(o.labelColumn) && (o.labelColumn as number) >= 0 && (o.labelColumn as number) <= channels && layout === 'table'
        ? (o.labelColumn as number)
        : fail(`${field}.labelColumn`, `a column index in [0, ${channels}] on a table`, o.labelColumn);
  const e = asObj(o.encoding, fail, `${field}.encoding`);
  let encoding: InputEncoding;
  if (e.kind === 'bytes') {
    encoding = { kind: 'bytes' };
  } else if (e.kind === 'minmax') {
    const arr = (v: unknown, f: string) =>
      Array.isArray(v) && v.length === channels && v.every((x) => typeof x === 'number' && Number.isFinite(x))
        ? (v as number[])
        : fail(`${field}.encoding.${f}`, `${channels} finite numbers (one per channel)`, v);
    const min = arr(e.min, 'min');
    const max = arr(e.max, 'max');
    max.forEach((hi, c) => {
      if (hi < min[c]!) fail(`${field}.encoding.max[${c}]`, `>= min[${c}] (${min[c]})`, hi);
    });
    encoding = { kind: 'minmax', min, max };
  } else {
    return fail(`${field}.encoding.kind`, '"bytes" or "minmax"', e.kind);
  }
  const d = withFingerprint({
    origin,
    layout,
    sampleShape,
    classNames,
    ...(columns ? { columns } : {}),
    ...(labelColumn !== undefined ? { labelColumn } : {}),
    encoding,
  });
  if (o.fingerprint !== d.fingerprint) fail(`${field}.fingerprint`, `${d.fingerprint} (the SHA-256 of the fields above)`, o.fingerprint);
  return d;
}

export function asObj(v: unknown, fail: Fail, field: string): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : fail(field, 'an object', v);
}
