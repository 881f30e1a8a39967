// Residue encoding of CRT stages (docs/crt.md section 1): a residue r mod p (p odd) is the torus
// value r * D_p, D_p = round(2^64 / p), no padding bit. One place for the encoding, its decoding
// (nearest multiple of D_p) and the CRT reconstruction the client does on a table-less last stage.

const Q = 1n << 64n;

/** D_p = round(2^64 / p). */
export function residueDelta(p: number): bigint {
  return (Q + BigInt(p >> 1)) / BigInt(p);
}

/** The torus word (u64) of r mod p: ((r mod p) + p) mod p times D_p, for any integer r. */
export function encodeResidue(r: number, p: number): bigint {
  const x = ((r % p) + p) % p;
  return (BigInt(x) * residueDelta(p)) % Q;
}

/** round(phase * p / 2^64) mod p: the residue nearest to a decrypted phase. */
export function decodeResidue(phase: bigint, p: number): number {
  return Number(((phase * BigInt(p) + Q / 2n) / Q) % BigInt(p));
}

/** Torus word of a signed integer v in encoding 2^64 / 2^(o+1) (a CRT last stage's decrypted output). */
export function encodeSigned(v: number, outputBits: number): bigint {
  const d = 1n << BigInt(64 - outputBits - 1);
  return (((BigInt(v) * d) % Q) + Q) % Q;
}

/** The signed integer nearest to phase / (2^64 / 2^(o+1)), in [-2^o, 2^o). */
export function decodeSigned(phase: bigint, outputBits: number): number {
  const shift = BigInt(64 - outputBits - 1);
  const half = 1n << (shift - 1n);
  let v = ((phase + half) % Q) >> shift; // in [0, 2^(o+1))
  if (v >= 1n << BigInt(outputBits)) v -= 1n << BigInt(outputBits + 1);
  return Number(v);
}

/**
 * The u in [0, M) with u = r_i mod p_i for every i (Chinese remainder theorem; moduli pairwise
 * coprime). Small M (<= 2^20): plain number arithmetic is exact.
 */
export function crtReconstruct(residues: ArrayLike<number>, moduli: readonly number[]): number {
  let u = 0;
  let m = 1;
  moduli.forEach((p, i) => {
    // u' = u + m * k with u' = r_i mod p: k = (r_i - u) * m^-1 mod p
    const inv = modInverse(m % p, p);
    const k = ((((((residues[i] as number) - u) % p) + p) % p) * inv) % p;
    u += m * k;
    m *= p;
  });
  return u;
}

function modInverse(a: number, p: number): number {
  let [r0, r1, s0, s1] = [a, p, 1, 0];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1) throw new RangeError(`crtReconstruct: ${a} has no inverse mod ${p} (moduli not coprime)`);
  return ((s0 % p) + p) % p;
}
