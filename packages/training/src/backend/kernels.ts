// Gradient kernels that the tfjs wasm backend lacks, gets wrong, or runs slowly, rewritten as
// compositions of kernels it does have (see /work/shared/reference/tfjs-wasm-node.md §3).
// Register them AFTER `await tf.setBackend('wasm')`: wasm kernels bind their C functions at backend
// init, so the originals we wrap must have been initialised first.

import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/**
 * Wraps a kernel input as a Tensor we may dispose. makeTensorFromTensorInfo does not bump the
 * backend refcount, so without incRef disposing the wrapper would free the caller's tensor.
 */
function wrap(info: Info, backend: tf.KernelBackend): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/** Runs `body` on wrapped inputs and disposes the wrappers; returns body's (kept) tensor. */
function withInputs(args: KernelArgs, names: string[], body: (...t: tf.Tensor[]) => tf.Tensor): tf.Tensor {
  const inputs = args.inputs as Record<string, Info>;
  const wrapped = names.map((n) => {
    const info = inputs[n];
    if (info === undefined) throw new Error(`kernel composition: missing input "${n}"`);
    return wrap(info, args.backend as tf.KernelBackend);
  });
  try {
    return tf.tidy(() => body(...wrapped));
  } finally {
    wrapped.forEach((t) => {
      t.dispose();
    });
  }
}

function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

/**
 * dW[a,b,c,o] = sum_{n,i,j} x[n, i*sh+a-pt, j*sw+b-pl, c] * dy[n,i,j,o]: one forward conv with
 * batch and channel roles swapped, the stride becoming a dilation.
 */
export function conv2dBackpropFilter(args: KernelArgs): tf.Tensor {
  const attrs = args.attrs as tf.NamedAttrMap;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter composition: dataFormat must be NHWC, got ${String(attrs.dataFormat)}`);
  }
  return withInputs(args, ['x', 'dy'], (x, dy) => {
    const filterShape = attrs.filterShape as number[];
    const info = convInfo(x.shape, filterShape, attrs);
    const [kh, kw] = filterShape as [number, number];
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    let [, h, w] = x.shape as [number, number, number, number];
    let pb = kh - 1 + (ho - 1) * sh - (h - 1) - pt;
    let pr = kw - 1 + (wo - 1) * sw - (w - 1) - pl;
    let xs = x as tf.Tensor4D;
    // A negative far-side pad means the last rows/cols of x are never read: crop them.
    if (pb < 0 || pr < 0) {
      h += Math.min(pb, 0);
      w += Math.min(pr, 0);
      xs = tf.slice(xs, [0, 0, 0, 0], [-1, h, w, -1]);
      pb = Math.max(pb, 0);
      pr = Math.max(pr, 0);
    }
    const image = tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci,H,W,N]
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho,Wo,N,Co]
    const r = tf.conv2d(
      image,
      filter,
      1,
      [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      'NHWC',
      [sh, sw],
    );
    return tf.transpose(r, [1, 2, 0, 3]); // [kh,kw,Ci,Co]
  });
}

/** dx = conv(dy dilated by the stride, filter flipped and in/out swapped), explicit padding. */
export function conv2dBackpropInput(args: KernelArgs): tf.Tensor {
  const attrs = args.attrs as tf.NamedAttrMap;
  return withInputs(args, ['dy', 'filter'], (dy, filter) => {
    const inputShape = attrs.inputShape as number[];
    const info = convInfo(inputShape, filter.shape, attrs);
    const [kh, kw] = filter.shape as [number, number];
    const [n, h, w] = inputShape as [number, number, number];
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, outChannels: co } = info;
    let d = dy as tf.Tensor4D;
    if (sh > 1 || sw > 1) {
      const r6 = tf.reshape(dy, [n, ho, 1, wo, 1, co]);
      const padded = tf.pad(r6, [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      d = tf.slice(tf.reshape(padded, [n, ho * sh, wo * sw, co]) as tf.Tensor4D, [0, 0, 0, 0], [-1, (ho - 1) * sh + 1, (wo - 1) * sw + 1, -1]);
    }
    const hd = (ho - 1) * sh + 1;
    const wd = (wo - 1) * sw + 1;
    let top = kh - 1 - info.padInfo.top;
    let left = kw - 1 - info.padInfo.left;
    let bottom = h + kh - 1 - hd - top;
    let right = w + kw - 1 - wd - left;
    // Negative pads become crops of the dilated gradient.
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      const t0 = Math.max(-top, 0),
        l0 = Math.max(-left, 0);
      const hh = hd - t0 - Math.max(-bottom, 0),
        ww = wd - l0 - Math.max(-right, 0);
      d = tf.slice(d, [0, t0, l0, 0], [-1, hh, ww, -1]);
      top = Math.max(top, 0);
      left = Math.max(left, 0);
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(d, flipped, 1, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
  });
}

/** out = oneHot(segmentIds)^T . x, reshaped to [numSegments, ...x.shape[1:]]. */
export function unsortedSegmentSum(args: KernelArgs): tf.Tensor {
  const numSegments = (args.attrs as tf.NamedAttrMap).numSegments as number;
  return withInputs(args, ['x', 'segmentIds'], (x, ids) => {
    const n = ids.size;
    const x2 = tf.reshape(x, [n, -1]);
    const oh = tf.cast(tf.oneHot(tf.cast(tf.reshape(ids, [n]), 'int32'), numSegments), x.dtype);
    const out = tf.matMul(tf.transpose(oh), x2);
    return tf.reshape(out, [numSegments, ...x.shape.slice(ids.rank)]);
  });
}

/**
 * BatchMatMul with transposes done explicitly, so the fast (XNNPACK, non-transposed) path runs.
 * For a.b^T with b larger than a (dense input gradient dy.W^T), compute (b.a^T)^T so the small
 * operand is the one packed.
 */
export function makeBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as tf.NamedAttrMap;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    if (!ta && !tb) return original(args);
    return withInputs(args, ['a', 'b'], (a, b) => {
      // Inputs are usually rank 3 [batch, m, k] but may arrive rank 2: swap the last two axes.
      const t = (m: tf.Tensor) => tf.transpose(m, m.rank === 3 ? [0, 2, 1] : [1, 0]);
      if (!ta && tb && b.size > a.size) return t(tf.matMul(b as tf.Tensor3D, t(a) as tf.Tensor3D));
      return tf.matMul((ta ? t(a) : a) as tf.Tensor3D, (tb ? t(b) : b) as tf.Tensor3D);
    });
  };
}

/**
 * wasm MaxPoolGrad misroutes the gradient of windows whose max is negative; shifting input and
 * output by c = 1 - min(input) makes every window positive without moving the argmax.
 */
export function makeMaxPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as Record<string, Info>;
    const backend = args.backend as tf.KernelBackend;
    const input = wrap(inputs.input as Info, backend);
    const output = wrap(inputs.output as Info, backend);
    const [inShift, outShift] = tf.tidy(() => {
      const c = tf.sub(1, tf.min(input));
      return [tf.add(input, c), tf.add(output, c)];
    });
    try {
      return original({ ...args, inputs: { dy: inputs.dy as Info, input: inShift, output: outShift } }) as Info;
    } finally {
      [input, output, inShift, outShift].forEach((t) => {
        t.dispose();
      });
    }
  };
}

/** Registers the compositions for `backendName` ('wasm': all five; 'cpu': the dW conv only). */
export function registerGradientFixes(backendName: 'wasm' | 'cpu'): void {
  const replace = (kernelName: string, kernelFunc: tf.KernelFunc) => {
    if (tf.getKernel(kernelName, backendName) !== undefined) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  };
  const originalOf = (name: string): tf.KernelFunc | undefined => {
    const k = tf.getKernel(name, backendName);
    // A wrapper we registered earlier carries the original; never wrap a wrapper.
    return k === undefined ? undefined : ((k.kernelFunc as { original?: tf.KernelFunc }).original ?? k.kernelFunc);
  };
  replace('Conv2DBackpropFilter', conv2dBackpropFilter as unknown as tf.KernelFunc);
  if (backendName === 'cpu') return;
  replace('Conv2DBackpropInput', conv2dBackpropInput as unknown as tf.KernelFunc);
  replace('UnsortedSegmentSum', unsortedSegmentSum as unknown as tf.KernelFunc);
  for (const [name, make] of [
    ['BatchMatMul', makeBatchMatMul],
    ['MaxPoolGrad', makeMaxPoolGrad],
  ] as const) {
    const orig = originalOf(name);
    if (orig === undefined) throw new Error(`wasm backend has no ${name} kernel to wrap (tfjs-backend-wasm version mismatch?)`);
    const wrapped = make(orig);
    (wrapped as { original?: tf.KernelFunc }).original = orig;
    replace(name, wrapped);
  }
}
