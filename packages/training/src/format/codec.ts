// Encoding between the in-memory TrainedGraph and its manifest + little-endian payload.
// decodeTrainedGraph trusts nothing: every field is type-checked, every payload slice bounds- and
// length-checked, the payload hash compared, and then the whole graph validated (validate.ts).

import { createHash } from 'node:crypto';
import { dataDescriptionFromJson } from '@fhenet/datasets';
import type { QuantParams } from './vocab.js';
import { TrainedGraphError, show } from './errors.js';
import type { LayerJson, PayloadRef, QuantizerJson, TrainedGraphManifest } from './manifest.js';
import {
  TRAINED_GRAPH_FORMAT,
  TRAINED_GRAPH_READABLE_VERSIONS,
  TRAINED_GRAPH_VERSION,
  trainedGraphVersion,
  type GraphLayer,
  type TrainedGraph,
} from './types.js';
import { validateGraph } from './validate.js';

export const DEFAULT_PAYLOAD_FILE = 'graph.bin';

const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const align4 = (n: number): number => (n + 3) & ~3;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Accumulates payload slices, each 4-byte aligned. */
class PayloadWriter {
  private chunks: { offset: number; bytes: Uint8Array }[] = [];
  private size = 0;

  private push(bytes: Uint8Array): number {
    const offset = align4(this.size);
    this.chunks.push({ offset, bytes });
    this.size = offset + bytes.length;
    return offset;
  }

  float32(values: Float32Array, shape: readonly number[]): PayloadRef {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    return { dtype: 'float32', shape: [...shape], offset: this.push(bytes), byteLength: bytes.length };
  }

  bitset(bits: Uint8Array, shape: readonly number[]): PayloadRef {
    const bytes = new Uint8Array(Math.ceil(bits.length / 8));
    bits.forEach((b, i) => {
      if (b) bytes[i >> 3]! |= 1 << (i & 7);
    });
    return { dtype: 'bitset', shape: [...shape], offset: this.push(bytes), byteLength: bytes.length };
  }

  finish(): Uint8Array {
    const out = new Uint8Array(align4(this.size));
    for (const c of this.chunks) out.set(c.bytes, c.offset);
    return out;
  }
}

function quantizerToJson(q: QuantParams): QuantizerJson {
  const base = { bits: q.bits as number, signed: q.signed, range: q.range, scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
  return q.axis === undefined ? base : { ...base, axis: q.axis };
}

function weightShape(layer: GraphLayer & { type: 'dense' | 'conv2d' }): number[] {
  const inC = layer.inputShape[layer.inputShape.length - 1] as number;
  return layer.type === 'dense' ? [inC, layer.units] : [layer.kernelSize[0], layer.kernelSize[1], inC, layer.filters];
}

/** Validates `graph` and returns its manifest and payload bytes. */
export function encodeTrainedGraph(graph: TrainedGraph, payloadFile = DEFAULT_PAYLOAD_FILE): { manifest: TrainedGraphManifest; payload: Uint8Array } {
  validateGraph(graph, `trained graph "${graph.name}" (before writing)`);
  const version = trainedGraphVersion(graph);
  if (version >= TRAINED_GRAPH_VERSION && graph.data === undefined) {
    throw new TrainedGraphError(
      `trained graph "${graph.name}" (before writing)`,
      'data',
      `the training data description (accumulatorBits needs format version ${TRAINED_GRAPH_VERSION}, which requires data)`,
      'none',
    );
  }
  const w = new PayloadWriter();
  const layers: LayerJson[] = graph.layers.map((l): LayerJson => {
    const base = { name: l.name, inputShape: [...l.inputShape], outputShape: [...l.outputShape] };
    switch (l.type) {
      case 'dense':
      case 'conv2d': {
        const shape = weightShape(l);
        const outC = shape[shape.length - 1] as number;
        const common = {
          weights: w.float32(l.weights, shape),
          bias: l.bias === null ? null : w.float32(l.bias, [outC]),
          mask: w.bitset(l.mask, shape),
          weightQuantizer: quantizerToJson(l.weightQuantizer),
          ...(l.accumulatorBits === undefined ? {} : { accumulatorBits: l.accumulatorBits }),
        };
        return l.type === 'dense'
          ? { ...base, type: 'dense', units: l.units, ...common }
          : {
              ...base,
              type: 'conv2d',
              filters: l.filters,
              kernelSize: [...l.kernelSize] as [number, number],
              strides: [...l.strides] as [number, number],
              padding: l.padding,
              ...common,
            };
      }
      case 'batchNorm': {
        const c = [l.gamma.length];
        return {
          ...base,
          type: 'batchNorm',
          gamma: w.float32(l.gamma, c),
          beta: w.float32(l.beta, c),
          movingMean: w.float32(l.movingMean, c),
          movingVariance: w.float32(l.movingVariance, c),
          epsilon: l.epsilon,
        };
      }
      case 'activation':
        return l.alpha === undefined
          ? { ...base, type: 'activation', activation: l.activation }
          : { ...base, type: 'activation', activation: l.activation, alpha: l.alpha };
      case 'quantizer':
        return { ...base, type: 'quantizer', quantizer: quantizerToJson(l.quantizer) };
      case 'avgPool2d':
        return { ...base, type: 'avgPool2d', poolSize: [...l.poolSize] as [number, number], strides: [...l.strides] as [number, number], padding: 'valid' };
      case 'flatten':
        return { ...base, type: 'flatten' };
    }
    // Unreachable for a validated graph (the switch is exhaustive); says so if the union grows.
    throw new TrainedGraphError(
      `trained graph "${graph.name}"`,
      `layer "${(l as { name: string }).name}".type`,
      'a known layer type',
      show((l as { type: unknown }).type),
    );
  });
  const payload = w.finish();
  const manifest: TrainedGraphManifest = {
    format: TRAINED_GRAPH_FORMAT,
    version,
    name: graph.name,
    inputShape: [...graph.inputShape],
    inputScaling: { divisor: graph.inputScaling.divisor },
    numClasses: graph.numClasses,
    inputQuantizer: quantizerToJson(graph.inputQuantizer),
    layers,
    payload: { file: payloadFile, byteLength: payload.length, sha256: sha256Hex(payload) },
    training: { ...graph.training },
    ...(graph.data ? { data: graph.data } : {}),
  };
  return { manifest, payload };
}

// ---- decoding -------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

class Reader {
  /** The manifest's version, once checked. */
  version = 0;

  constructor(
    readonly source: string,
    readonly payload: Uint8Array,
  ) {}

  err(field: string, expected: string, got: unknown): TrainedGraphError {
    return new TrainedGraphError(this.source, field, expected, show(got));
  }

  obj(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.err(field, 'an object', v);
    return v as Obj;
  }

  num(o: Obj, k: string, field: string): number {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.err(`${field}.${k}`, 'a finite number', v);
    return v;
  }

  str(o: Obj, k: string, field: string): string {
    const v = o[k];
    if (typeof v !== 'string') throw this.err(`${field}.${k}`, 'a string', v);
    return v;
  }

  ints(o: Obj, k: string, field: string): number[] {
    const v = o[k];
    if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x))) throw this.err(`${field}.${k}`, 'an array of integers', v);
    return v as number[];
  }

  pair(o: Obj, k: string, field: string): [number, number] {
    const v = this.ints(o, k, field);
    if (v.length !== 2) throw this.err(`${field}.${k}`, 'two integers', v);
    return [v[0] as number, v[1] as number];
  }

  quantizer(v: unknown, field: string): QuantParams {
    const o = this.obj(v, field);
    const scale = o.scale;
    if (!Array.isArray(scale) || !scale.every((s) => typeof s === 'number')) throw this.err(`${field}.scale`, 'an array of numbers', scale);
    const bits = this.num(o, 'bits', field);
    if (typeof o.signed !== 'boolean') throw this.err(`${field}.signed`, 'a boolean', o.signed);
    const range = o.range;
    if (range !== 'narrow' && range !== 'wide') throw this.err(`${field}.range`, '"narrow" or "wide"', range);
    const zeroPoint = this.ints(o, 'zeroPoint', field);
    const q = { bits, signed: o.signed, range, scale: scale as number[], zeroPoint } as unknown as QuantParams;
    if (o.axis !== undefined) {
      if (!Number.isSafeInteger(o.axis)) throw this.err(`${field}.axis`, 'an integer', o.axis);
      return { ...q, axis: o.axis as number };
    }
    return q;
  }

  ref(v: unknown, field: string, dtype: PayloadRef['dtype'], expectShape: readonly number[]): DataView {
    const o = this.obj(v, field);
    if (o.dtype !== dtype) throw this.err(`${field}.dtype`, `"${dtype}"`, o.dtype);
    const shape = this.ints(o, 'shape', field);
    if (shape.length !== expectShape.length || shape.some((s, i) => s !== expectShape[i])) {
      throw this.err(`${field}.shape`, `[${expectShape.join(',')}]`, shape);
    }
    const n = product(shape);
    const want = dtype === 'float32' ? n * 4 : Math.ceil(n / 8);
    const offset = this.num(o, 'offset', field);
    const byteLength = this.num(o, 'byteLength', field);
    if (byteLength !== want) {
      throw this.err(`${field}.byteLength`, `${want} bytes (${n} ${dtype === 'float32' ? 'floats' : 'bits'}, ${shape.join('x')})`, byteLength);
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % 4 !== 0) throw this.err(`${field}.offset`, 'a non-negative multiple of 4', offset);
    if (offset + byteLength > this.payload.length) {
      throw this.err(
        `${field}`,
        `bytes [${offset}, ${offset + byteLength}) inside the ${this.payload.length}-byte payload`,
        `a slice ending at ${offset + byteLength}`,
      );
    }
    return new DataView(this.payload.buffer, this.payload.byteOffset + offset, byteLength);
  }

  floats(v: unknown, field: string, shape: readonly number[]): Float32Array {
    const view = this.ref(v, field, 'float32', shape);
    const out = new Float32Array(view.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }

  bits(v: unknown, field: string, shape: readonly number[]): Uint8Array {
    const view = this.ref(v, field, 'bitset', shape);
    const n = product(shape);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (view.getUint8(i >> 3) >> (i & 7)) & 1;
    return out;
  }
}

/** v3 `accumulatorBits`: refused in older versions (validateGraph checks its value against the weights). */
function accumulatorBitsOf(r: Reader, o: Obj, fl: string): number {
  if (r.version < TRAINED_GRAPH_VERSION) {
    throw r.err(`${fl}.accumulatorBits`, `absent in a version ${r.version} graph (it needs version ${TRAINED_GRAPH_VERSION})`, o.accumulatorBits);
  }
  return r.num(o, 'accumulatorBits', fl);
}

function decodeLayer(r: Reader, v: unknown, i: number): GraphLayer {
  const f = `layers[${i}]`;
  const o = r.obj(v, f);
  const name = r.str(o, 'name', f);
  const fl = `${f} (${name})`;
  const base = { name, inputShape: r.ints(o, 'inputShape', fl), outputShape: r.ints(o, 'outputShape', fl) };
  const type = o.type;
  switch (type) {
    case 'dense':
    case 'conv2d': {
      const inC = base.inputShape[base.inputShape.length - 1] ?? 0;
      const outC = r.num(o, type === 'dense' ? 'units' : 'filters', fl);
      const kernelSize = type === 'conv2d' ? r.pair(o, 'kernelSize', fl) : undefined;
      const shape = kernelSize ? [kernelSize[0], kernelSize[1], inC, outC] : [inC, outC];
      const common = {
        weights: r.floats(o.weights, `${fl}.weights`, shape),
        bias: o.bias === null ? null : r.floats(o.bias, `${fl}.bias`, [outC]),
        mask: r.bits(o.mask, `${fl}.mask`, shape),
        weightQuantizer: r.quantizer(o.weightQuantizer, `${fl}.weightQuantizer`),
        ...(o.accumulatorBits === undefined ? {} : { accumulatorBits: accumulatorBitsOf(r, o, fl) }),
      };
      if (type === 'dense') return { ...base, type, units: outC, ...common };
      const padding = o.padding;
      if (padding !== 'same' && padding !== 'valid') throw r.err(`${fl}.padding`, '"same" or "valid"', padding);
      return { ...base, type, filters: outC, kernelSize: kernelSize!, strides: r.pair(o, 'strides', fl), padding, ...common };
    }
    case 'batchNorm': {
      const c = [base.inputShape[base.inputShape.length - 1] ?? 0];
      return {
        ...base,
        type,
        gamma: r.floats(o.gamma, `${fl}.gamma`, c),
        beta: r.floats(o.beta, `${fl}.beta`, c),
        movingMean: r.floats(o.movingMean, `${fl}.movingMean`, c),
        movingVariance: r.floats(o.movingVariance, `${fl}.movingVariance`, c),
        epsilon: r.num(o, 'epsilon', fl),
      };
    }
    case 'activation': {
      const activation = r.str(o, 'activation', fl) as GraphLayer & { type: 'activation' } extends { activation: infer A } ? A : never;
      return o.alpha === undefined ? { ...base, type, activation } : { ...base, type, activation, alpha: r.num(o, 'alpha', fl) };
    }
    case 'quantizer':
      return { ...base, type, quantizer: r.quantizer(o.quantizer, `${fl}.quantizer`) };
    case 'avgPool2d': {
      if (o.padding !== 'valid') throw r.err(`${fl}.padding`, '"valid"', o.padding);
      return { ...base, type, poolSize: r.pair(o, 'poolSize', fl), strides: r.pair(o, 'strides', fl), padding: 'valid' };
    }
    case 'flatten':
      return { ...base, type };
    default:
      throw r.err(`${f}.type`, 'one of dense, conv2d, batchNorm, activation, quantizer, avgPool2d, flatten', type);
  }
}

/**
 * Decodes and validates a manifest (parsed JSON) and its payload bytes. `source` names the file in
 * errors. Throws TrainedGraphError on the first problem.
 */
export function decodeTrainedGraph(manifestJson: unknown, payload: Uint8Array, source = 'trained graph'): TrainedGraph {
  const r = new Reader(source, payload);
  const m = r.obj(manifestJson, 'manifest');
  if (m.format !== TRAINED_GRAPH_FORMAT) throw r.err('format', `"${TRAINED_GRAPH_FORMAT}"`, m.format);
  if (!TRAINED_GRAPH_READABLE_VERSIONS.includes(m.version as number)) throw r.err('version', `one of ${TRAINED_GRAPH_READABLE_VERSIONS.join(', ')}`, m.version);
  r.version = m.version as number;
  if ((m.version === 1) !== (m.data === undefined)) {
    throw r.err('data', m.version === 1 ? 'absent in a version 1 graph' : 'the training data description (required from version 2)', m.data ?? 'none');
  }
  const fail = (field: string, expected: string, got: unknown): never => {
    throw r.err(field, expected, got);
  };
  const data = m.data === undefined ? undefined : dataDescriptionFromJson(m.data, fail, 'data');
  const p = r.obj(m.payload, 'payload');
  const byteLength = r.num(p, 'byteLength', 'payload');
  if (byteLength !== payload.length) throw r.err('payload.byteLength', `${payload.length} (the size of the payload file)`, byteLength);
  const sha = r.str(p, 'sha256', 'payload');
  const actual = sha256Hex(payload);
  if (sha !== actual) throw r.err('payload.sha256', `${actual} (hash of the payload file; is it the file written with this manifest?)`, sha);
  if (!Array.isArray(m.layers)) throw r.err('layers', 'an array', m.layers);
  const scaling = r.obj(m.inputScaling, 'inputScaling');
  const training = m.training === undefined ? {} : r.obj(m.training, 'training');
  const graph: TrainedGraph = {
    name: r.str(m, 'name', 'manifest'),
    inputShape: r.ints(m, 'inputShape', 'manifest'),
    inputScaling: { divisor: r.num(scaling, 'divisor', 'inputScaling') },
    numClasses: r.num(m, 'numClasses', 'manifest'),
    inputQuantizer: r.quantizer(m.inputQuantizer, 'inputQuantizer'),
    layers: m.layers.map((l, i) => decodeLayer(r, l, i)),
    training,
    ...(data ? { data } : {}),
  };
  validateGraph(graph, source);
  return graph;
}
