// Deterministic shuffling for reproducible training runs. The generator is splitmix32: fast and
// statistically fine for ordering data, and NOT cryptographic — never use it for keys or noise.

/** A splitmix32 stream: each call returns the next uint32. */
export function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let t = state ^ (state >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/** Uniform integer in [0, bound) without modulo bias (rejects the top partial block). */
function below(next: () => number, bound: number): number {
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const r = next();
    if (r < limit) return r % bound;
  }
}

/** A permutation of 0..n-1 that depends only on (n, seed mod 2^32): Fisher-Yates over splitmix32. */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 32) {
    throw new RangeError(`shuffledIndices: n: expected an integer in [0, 2^32], got ${n}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`shuffledIndices: seed: expected an integer, got ${seed}`);
  }
  const next = splitmix32(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = below(next, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
