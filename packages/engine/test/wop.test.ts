// WoP-PBS primitives for the CRT representation (native/algorithms/{crt_residues,
// circuit_bootstrap,vertical_packing,wop_lookup}.cc, docs/crt.md sections 1-4):
// residue LUTs for odd moduli (clear rule + encrypted PBS, also after a dot product that wraps
// mod p), packing keyswitching keys, circuit bootstrapping checked through a CMux, vertical
// packing and the batched lookup, all decrypting to exactly the expected values.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publishedSet } from '@fhenet/params';
import { native, nativeTesting, type NativeHandle, type NativeWopParams } from '../src/native.js';

const Q = 1n << 64n;

// The reference's 4-bit TUniform 2^-128 set (n = 918, k = 1, N = 2048, TU(45) / TU(17), KS 4/4;
// same keys' security) with PBS 12/3 instead of 23/1: circuit bootstrapping feeds PBS outputs into
// GGSWs, and 23/1 leaves them too noisy (Var_PBS ~ 2^-29.5) for exact vertical packing. Measured
// phase-error std after vertical packing (t = 11, 12): about 2^-14 of the torus (2^-10.9 with
// PBS 15/2), printed at the end of the run.
const base = publishedSet(4, 'tuniform');
const wopParams: NativeWopParams = {
  ...base,
  messageBits: 6, // ceil(log2 31) + 1: residues up to p = 31
  pbs: { baseLog: 12, levelCount: 3 },
  circuitBootstrap: { baseLog: 5, levelCount: 4 },
  packingKeyswitch: { baseLog: 17, levelCount: 2 },
};
const N = wopParams.polynomialSize;

/** round(2^64 / p): the residue encoding E_p (docs/crt.md section 1). */
const delta = (p: number): bigint => (Q + BigInt(p >> 1)) / BigInt(p);
const torus = (x: bigint): bigint => ((x % Q) + Q) % Q;
/** Signed distance phase - expected on the torus. */
const signedErr = (phase: bigint, expected: bigint): bigint => {
  const d = torus(phase - expected);
  return d >= Q / 2n ? d - Q : d;
};
/** Decode a phase in encoding E_p: round(phase * p / 2^64) mod p. */
const decodeResidue = (phase: bigint, p: number): number => Number(((phase * BigInt(p) + Q / 2n) / Q) % BigInt(p));
const bitsOf = (p: number): number => Math.ceil(Math.log2(p));
// Long loops of synchronous native calls yield between iterations so vitest's worker RPC is served.
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

let seed = 12345;
const rand = (below: number): number => {
  // xorshift32: reproducible data, so a failure can be replayed
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % below;
};
const randTorus = (): bigint => (BigInt(rand(2 ** 30)) << 34n) | BigInt(rand(2 ** 30));

let ck: NativeHandle;
let ek: NativeHandle;
let pfks: NativeHandle;
// Phase errors by kind, reported after the run (the params helper compares them with the model).
const errors: Record<string, bigint[]> = { 'residue PBS': [], 'CMux (t = 1)': [], 'vertical packing (t = 11, 12)': [] };

async function evaluationKeys(clientKey: NativeHandle): Promise<NativeHandle> {
  const s = native.sessionKeygen(clientKey, true, false);
  const { bskUnits, kskUnits } = native.sessionSizes(s);
  await native.sessionRun(s, 0, 0, bskUnits);
  await native.sessionRun(s, 1, 0, kskUnits);
  const out = native.sessionTake(s);
  native.dispose(s);
  return out.evaluationKeys!;
}

beforeAll(async () => {
  ck = native.clientKeyGenerate(wopParams);
  ek = await evaluationKeys(ck);
  pfks = await native.pfksKeygen(ck, wopParams);
}, 300_000);

afterAll(() => {
  for (const [kind, es] of Object.entries(errors)) {
    if (es.length === 0) continue;
    const mean = es.reduce((s, e) => s + Number(e), 0) / es.length;
    const std = Math.sqrt(es.reduce((s, e) => s + (Number(e) - mean) ** 2, 0) / es.length);
    const max = es.reduce((m, e) => Math.max(m, Math.abs(Number(e))), 0);
    console.log(
      `${kind}: ${es.length} outputs, phase error std 2^${(Math.log2(std) - 64).toFixed(2)} of the torus ` +
        `(2^${Math.log2(std).toFixed(2)}), max |e| 2^${(Math.log2(max) - 64).toFixed(2)}, mean 2^${(Math.log2(Math.abs(mean)) - 64).toFixed(2)}`,
    );
  }
  for (const h of [pfks, ek, ck]) if (h) native.dispose(h);
});

describe('residue LUT (odd modulus, no padding)', () => {
  test('clear rule: every phase index within the half gap of 2N r / p reads g(r)', () => {
    for (let p = 3; p <= 31; p += 2) {
      const g = Array.from({ length: p }, () => randTorus());
      const lut = native.residueLut(wopParams, p, BigUint64Array.from(g));
      expect(lut.length).toBe(N);
      // Coefficient 0 of X^(-j) V: V_j for j < N, -V_(j-N) for j >= N.
      const read = (j: number): bigint => (j < N ? lut[j]! : torus(-lut[j - N]!));
      // The direct points are 2N/p apart and the reflected ones sit halfway: N/p per side; a
      // phase index strictly closer to 2N r / p than half of that is decided for r.
      const half = N / p / 2;
      for (let r = 0; r < p; r++) {
        const center = (2 * N * r) / p;
        for (let j = Math.ceil(center - half + 1e-9); j < center + half; j++) {
          expect(read((j + 2 * N) % (2 * N)), `p=${p} r=${r} j=${j}`).toBe(g[r]);
        }
      }
    }
  });

  test('encrypted: keyswitch + PBS of E_p(r) gives g(r) for every r, p = 3..31', async () => {
    const out2 = 17; // outputs in another residue encoding E_17
    for (const p of [3, 5, 7, 9, 11, 13, 15, 21, 25, 31]) {
      const rs = Array.from({ length: p }, (_, r) => r);
      const table = rs.map(() => rand(out2));
      const b = native.encryptTorus(ck, BigUint64Array.from(rs.map((r) => BigInt(r) * delta(p))));
      const out = native.pbsResidue(ek, b, p, new Uint32Array(p), BigUint64Array.from(table.map((v) => BigInt(v) * delta(out2))));
      const phases = native.decryptPhase(ck, out);
      expect(
        Array.from(phases, (ph) => decodeResidue(ph, out2)),
        `p=${p}`,
      ).toEqual(table);
      for (let r = 0; r < p; r++) {
        const e = signedErr(phases[r]!, BigInt(table[r]!) * delta(out2));
        errors['residue PBS']!.push(e);
        expect(Math.abs(Number(e))).toBeLessThan(2 ** 50);
      }
      native.dispose(b);
      native.dispose(out);
      await yieldToLoop();
    }
  }, 120_000);

  test('pbsResidueAsync: same bits as pbsResidue, progress ends at (total, total)', async () => {
    const p = 13;
    const rs = Array.from({ length: 10 }, () => rand(p));
    const tables = BigUint64Array.from(Array.from({ length: 2 * p }, () => randTorus()));
    const index = Uint32Array.from(rs.map((_, i) => i % 2));
    const b = native.encryptTorus(ck, BigUint64Array.from(rs.map((r) => BigInt(r) * delta(p))));
    const sync = native.pbsResidue(ek, b, p, index, tables);
    const seen: number[][] = [];
    const async_ = await native.pbsResidueAsync(ek, b, p, index, tables, { groupSize: 3, onProgress: (d, t) => seen.push([d, t]) });
    // Every progress call is delivered before the Promise settles (no wait needed, however loaded the machine).
    expect(seen.at(-1)).toEqual([10, 10]);
    expect(native.decryptPhase(ck, async_)).toEqual(native.decryptPhase(ck, sync));
    for (const h of [b, sync, async_]) native.dispose(h);
  });

  test('after a dot product with clear weights and a residue-encoded bias the residue wraps mod p (sum w_j E(r_j) = E(S mod p))', async () => {
    for (const p of [7, 11, 13, 31]) {
      const cols = 6;
      const rows = 8;
      const r = Array.from({ length: cols }, () => rand(p));
      const w = Array.from({ length: rows * cols }, () => rand(41) - 20); // |S| up to ~3,700: many wraps
      const b = native.encryptTorus(ck, BigUint64Array.from(r.map((x) => BigInt(x) * delta(p))));
      const dot = native.dotDense(wopParams, b, Int32Array.from(w), rows, cols, null);
      // A signed bias per row, added in residue encoding ((b mod p) * delta).
      const bias = Array.from({ length: rows }, () => rand(2001) - 1000);
      const biased = native.addTorus(dot, BigUint64Array.from(bias.map((v) => BigInt(((v % p) + p) % p) * delta(p))));
      const identity = Array.from({ length: p }, (_, x) => BigInt(x) * delta(p));
      const out = native.pbsResidue(ek, biased, p, new Uint32Array(rows), BigUint64Array.from(identity));
      const got = Array.from(native.decryptPhase(ck, out), (ph) => decodeResidue(ph, p));
      const want = Array.from({ length: rows }, (_, i) => {
        const s = r.reduce((acc, x, j) => acc + w[i * cols + j]! * x, bias[i]!);
        return ((s % p) + p) % p;
      });
      expect(got, `p=${p}`).toEqual(want);
      for (const h of [b, dot, biased, out]) native.dispose(h);
      await yieldToLoop();
    }
  }, 120_000);

  test('bad moduli and lengths give clear errors', () => {
    const b = native.encryptTorus(ck, new BigUint64Array(2));
    expect(() => native.residueLut(wopParams, 8, new BigUint64Array(8))).toThrow(/odd/);
    expect(() => native.residueLut(wopParams, 7, new BigUint64Array(6))).toThrow(/expected p = 7/);
    expect(() => native.pbsResidue(ek, b, 7, new Uint32Array(2), new BigUint64Array(8))).toThrow(/multiple of p = 7/);
    expect(() => native.pbsResidue(ek, b, 7, new Uint32Array([0, 1]), new BigUint64Array(7))).toThrow(/table index 1/);
    expect(() => nativeTesting.circuitBootstrap(ek, pfks, b, Uint32Array.from([9, 15]))).toThrow(/not coprime/);
    expect(() => nativeTesting.circuitBootstrap(ek, pfks, b, Uint32Array.from([7]))).toThrow(/one residue ciphertext per modulus/);
    expect(() => native.addTorus(b, new BigUint64Array(3))).toThrow(/expected 2 torus values/);
    expect(() => native.pfksKeygen(ck, { ...wopParams, packingKeyswitch: { baseLog: 40, levelCount: 2 } })).toThrow(/packing keyswitch/);
    expect(() => native.pfksKeygen(ck, { ...wopParams, glweNoise: { kind: 'tuniform', boundLog2: 10 } })).toThrow(/insecure/);
    native.dispose(b);
  });
});

describe('packing keyswitch keys and circuit bootstrapping', () => {
  test('PFKS key size: k keys x (kN+1) + 1 key x kN inputs, x l_pfks GLWEs of (k+1)N words', () => {
    const info = native.pfksInfo(pfks);
    const k = wopParams.glweDimension;
    expect(info.keys).toBe(k + 1);
    expect(info.rows).toBe((k * (k * N + 1) + k * N) * wopParams.packingKeyswitch.levelCount);
    expect(info.bytes).toBe(info.rows * (k + 1) * N * 8);
  });

  test('seeded form: bytes round trip, expansion on the server side, GGSWs from the expanded keys are right', async () => {
    const fp = Buffer.alloc(32, 7);
    const seeded = await native.pfksKeygenSeeded(ck, wopParams);
    const bytes = native.serializePfksSeeded(seeded, fp);
    const k = wopParams.glweDimension;
    const rows = (k * (k * N + 1) + k * N) * wopParams.packingKeyswitch.levelCount;
    expect(bytes.length).toBe(112 + 16 + 32 + 8 + rows * N * 8 + 8); // header, decompositions, seed, count, bodies, checksum
    const back = native.deserializePfksSeeded(bytes, wopParams, fp);
    expect(native.serializePfksSeeded(back, fp).equals(bytes)).toBe(true);
    expect(() => native.deserializePfksSeeded(bytes, { ...wopParams, circuitBootstrap: { baseLog: 4, levelCount: 5 } }, fp)).toThrow(
      /circuit bootstrapping decomposition: expected 4\/5, got 5\/4/,
    );
    expect(() => native.deserializePfksSeeded(bytes, wopParams, Buffer.alloc(32, 8))).toThrow(/fingerprint differs/);
    const corrupt = Buffer.from(bytes);
    corrupt[5000] = corrupt[5000]! ^ 1;
    expect(() => native.deserializePfksSeeded(corrupt, wopParams, fp)).toThrow(/checksum/);
    const expanded = await native.pfksExpand(back);
    expect(native.pfksInfo(expanded).rows).toBe(rows);
    const p = 11;
    for (const r of [0, 5, 10]) {
      const b = native.encryptTorus(ck, BigUint64Array.of(BigInt(r) * delta(p)));
      const ggsw = nativeTesting.circuitBootstrap(ek, expanded, b, Uint32Array.of(p));
      const out = nativeTesting.verticalPacking(ggsw, 0, bitsOf(p), BigUint64Array.from(Array.from({ length: 16 }, (_, i) => BigInt(i) * delta(16))));
      expect(decodeResidue(native.decryptPhase(ck, out)[0]!, 16), `r=${r}`).toBe(r);
      for (const h of [b, ggsw, out]) native.dispose(h);
      await yieldToLoop();
    }
    for (const h of [seeded, back, expanded]) native.dispose(h);
  }, 120_000);

  test('every bit of every residue mod 7 and 13: CMux(GGSW(bit), A, B) decrypts to bit ? B : A', async () => {
    for (const p of [7, 13]) {
      for (let r = 0; r < p; r++) {
        const b = native.encryptTorus(ck, BigUint64Array.of(BigInt(r) * delta(p)));
        const ggsw = nativeTesting.circuitBootstrap(ek, pfks, b, Uint32Array.of(p));
        for (let bit = 0; bit < bitsOf(p); bit++) {
          const A = randTorus();
          const B = randTorus();
          // t = 1 vertical packing = CMux(g, acc, X^-1 acc) on the trivial GLWE with (A, B) in
          // coefficients 0 and 1, then sample extraction of coefficient 0.
          const out = nativeTesting.verticalPacking(ggsw, bit, 1, BigUint64Array.of(A, B));
          const phase = native.decryptPhase(ck, out)[0]!;
          const e = signedErr(phase, (r >> bit) & 1 ? B : A);
          errors['CMux (t = 1)']!.push(e);
          expect(Math.abs(Number(e)), `p=${p} r=${r} bit=${bit}`).toBeLessThan(2 ** 52);
          native.dispose(out);
        }
        native.dispose(ggsw);
        native.dispose(b);
        await yieldToLoop();
      }
    }
  }, 300_000);
});

/** Selector index of residues (docs/crt.md section 3): r_1's bits low, then r_2, ... */
const selectorIndex = (res: number[], moduli: number[]): number => {
  let idx = 0;
  let shift = 0;
  moduli.forEach((p, i) => {
    idx += res[i]! * 2 ** shift;
    shift += bitsOf(p);
  });
  return idx;
};
const selectorBits = (moduli: number[]): number => moduli.reduce((s, p) => s + bitsOf(p), 0);
/** LUT of 2^t words over selector indices from a table T[u], u in [0, M); non-residue tuples 0. */
function lutOver(moduli: number[], value: (u: number) => bigint): BigUint64Array {
  const M = moduli.reduce((a, b) => a * b, 1);
  const lut = new BigUint64Array(2 ** selectorBits(moduli));
  for (let u = 0; u < M; u++)
    lut[
      selectorIndex(
        moduli.map((p) => u % p),
        moduli,
      )
    ] = value(u);
  return lut;
}
const residuesOf = (u: number, moduli: number[]) => BigUint64Array.from(moduli.map((p) => BigInt(u % p) * delta(p)));

describe('CRT LUT layout', () => {
  test('crtLut matches the selector order of docs/crt.md section 3 (zeros off the residues)', () => {
    for (const moduli of [
      [7, 11, 13],
      [3, 5, 7, 11],
      [5, 7, 9],
    ]) {
      const M = moduli.reduce((a, b) => a * b, 1);
      const values = BigUint64Array.from(Array.from({ length: M }, () => randTorus()));
      const lut = native.crtLut(wopParams, Uint32Array.from(moduli), values);
      expect(Array.from(lut)).toEqual(Array.from(lutOver(moduli, (u) => values[u]!)));
    }
    expect(() => native.crtLut(wopParams, Uint32Array.of(7, 11), new BigUint64Array(76))).toThrow(/expected M = 77/);
    expect(() => native.crtLut(wopParams, Uint32Array.of(7, 21), new BigUint64Array(147))).toThrow(/not coprime/);
  });
});

describe('vertical packing', () => {
  for (const moduli of [
    [7, 11, 13],
    [3, 5, 7, 11],
  ]) {
    test(`moduli (${moduli.join(', ')}): random inputs, two output encodings sharing the GGSWs`, async () => {
      const M = moduli.reduce((a, b) => a * b, 1);
      const t = selectorBits(moduli);
      const table = Array.from({ length: M }, () => rand(1 << 8) - (1 << 7)); // signed 8-bit outputs
      const next = 31; // next stage residue encoding E_31
      const outBits = 8; // dequantized output: T[u] * 2^64 / 2^(o+1)
      const dOut = 1n << BigInt(64 - outBits - 1);
      const luts = new BigUint64Array(2 * 2 ** t);
      luts.set(
        lutOver(moduli, (u) => BigInt(((table[u]! % next) + next) % next) * delta(next)),
        0,
      );
      luts.set(
        lutOver(moduli, (u) => torus(BigInt(table[u]!) * dOut)),
        2 ** t,
      );
      for (let i = 0; i < 8; i++) {
        const u = rand(M);
        const b = native.encryptTorus(ck, residuesOf(u, moduli));
        const ggsw = nativeTesting.circuitBootstrap(ek, pfks, b, Uint32Array.from(moduli));
        const out = nativeTesting.verticalPacking(ggsw, 0, t, luts);
        const [ph0, ph1] = native.decryptPhase(ck, out);
        expect(decodeResidue(ph0!, next), `u=${u}`).toBe(((table[u]! % next) + next) % next);
        const signed = Number(signedErr(ph1!, 0n) >> BigInt(64 - outBits - 2)); // 2 units per step: round
        expect(Math.round(signed / 2), `u=${u}`).toBe(table[u]);
        errors['vertical packing (t = 11, 12)']!.push(
          signedErr(
            ph0!,
            luts[
              selectorIndex(
                moduli.map((p) => u % p),
                moduli,
              )
            ]!,
          ),
        );
        errors['vertical packing (t = 11, 12)']!.push(
          signedErr(
            ph1!,
            luts[
              2 ** t +
                selectorIndex(
                  moduli.map((p) => u % p),
                  moduli,
                )
            ]!,
          ),
        );
        for (const h of [b, ggsw, out]) native.dispose(h);
        await yieldToLoop();
      }
    }, 300_000);
  }
});

describe('batched WoP lookup', () => {
  test('moduli (7, 11, 13): 4 neurons, 2 tables, 2 outputs each, with progress', async () => {
    const moduli = [7, 11, 13];
    const M = 1001;
    const t = selectorBits(moduli);
    const next = [5, 9]; // the next stage's moduli
    const tables = [0, 1].map(() => Array.from({ length: M }, () => rand(1 << 16)));
    const luts = new BigUint64Array(2 * 2 * 2 ** t);
    tables.forEach((T, s) => {
      next.forEach((p, e) => {
        luts.set(
          lutOver(moduli, (u) => BigInt(T[u]! % p) * delta(p)),
          (s * 2 + e) * 2 ** t,
        );
      });
    });
    const inputs = [0, 1000, rand(M), rand(M)];
    const tableIndex = Uint32Array.of(0, 1, 1, 0);
    const b = native.encryptTorus(ck, BigUint64Array.from(inputs.flatMap((u) => Array.from(residuesOf(u, moduli)))));
    const seen: [number, number][] = [];
    const out = await native.wopLookup(ek, pfks, b, Uint32Array.from(moduli), tableIndex, luts, 2, {
      onProgress: (done, total) => seen.push([done, total]),
    });
    expect(native.batchInfo(out).count).toBe(inputs.length * 2);
    const phases = native.decryptPhase(ck, out);
    inputs.forEach((u, o) => {
      next.forEach((p, e) => {
        expect(decodeResidue(phases[o * 2 + e]!, p), `neuron ${o} output ${e}`).toBe(tables[tableIndex[o]!]![u]! % p);
        errors['vertical packing (t = 11, 12)']!.push(signedErr(phases[o * 2 + e]!, BigInt(tables[tableIndex[o]!]![u]! % p) * delta(p)));
      });
    });
    expect(seen.length).toBeGreaterThan(0); // delivered before the Promise resolved
    expect(seen[seen.length - 1]).toEqual([inputs.length, inputs.length]);
    await expect(native.wopLookup(ek, pfks, b, Uint32Array.from(moduli), Uint32Array.of(0, 1, 2, 0), luts, 2)).rejects.toThrow(/table index 2/);
    // A failing job with a progress channel still settles (the channel is released on failure too).
    await expect(native.wopLookup(ek, pfks, b, Uint32Array.from(moduli), Uint32Array.of(0, 1, 2, 0), luts, 2, { onProgress: () => {} })).rejects.toThrow(
      /table index 2/,
    );
    expect(() => native.wopLookup(ek, pfks, b, Uint32Array.from(moduli), tableIndex, luts.subarray(1), 2)).toThrow(/multiple/);
    for (const h of [b, out]) native.dispose(h);
  }, 300_000);
});

describe('batched WoP lookup: threads', () => {
  test('1 thread and 2 threads give the same ciphertexts (jobs per residue and per output)', async () => {
    const moduli = [3, 5, 7, 11];
    const t = selectorBits(moduli);
    const luts = BigUint64Array.from(Array.from({ length: 2 * 2 ** t }, () => randTorus()));
    const inputs = [rand(1155), rand(1155), rand(1155)];
    const b = native.encryptTorus(ck, BigUint64Array.from(inputs.flatMap((u) => Array.from(residuesOf(u, moduli)))));
    const before = native.getThreads();
    const run = async (threads: number) => {
      native.setThreads(threads);
      const out = await native.wopLookup(ek, pfks, b, Uint32Array.from(moduli), new Uint32Array(inputs.length), luts, 2);
      const fp = Buffer.alloc(32);
      const bytes = native.serializeBatch(out, fp, wopParams);
      native.dispose(out);
      return bytes;
    };
    try {
      const one = await run(1);
      const two = await run(2);
      expect(one.equals(two)).toBe(true);
    } finally {
      native.setThreads(before);
      native.dispose(b);
    }
  }, 300_000);
});

describe('two CRT stages chained (docs/crt.md sections 1 and 3)', () => {
  test('lookup -> dot product per next-stage residue (wraps mod p) -> lookup: exact', async () => {
    const P1 = [7, 11, 13];
    const P2 = [5, 7, 9]; // M' = 315 > worst-case sum below
    const M1 = 1001;
    const M2 = 315;
    const t1 = selectorBits(P1);
    const t2 = selectorBits(P2);
    // Stage 1: y = T1[u] in [0, 10), emitted as residues of the consuming stage's moduli.
    const T1 = Array.from({ length: M1 }, () => rand(10));
    const luts1 = new BigUint64Array(P2.length * 2 ** t1);
    P2.forEach((p, e) => {
      luts1.set(
        lutOver(P1, (u) => BigInt(T1[u]! % p) * delta(p)),
        e * 2 ** t1,
      );
    });
    const inputs = [rand(M1), rand(M1), rand(M1)];
    const b1 = native.encryptTorus(ck, BigUint64Array.from(inputs.flatMap((u) => Array.from(residuesOf(u, P1)))));
    const y = await native.wopLookup(ek, pfks, b1, Uint32Array.from(P1), new Uint32Array(inputs.length), luts1, P2.length);
    // y is [neuron j][residue i]; per residue i: S_o = sum_j w_oj y_j (non-negative, < 315).
    const rows = 2;
    const w = Array.from({ length: rows * inputs.length }, () => rand(6));
    const perResidue = P2.map((_, i) => {
      const col = native.gather(y, Uint32Array.from(inputs.map((_, j) => j * P2.length + i)));
      const dot = native.dotDense(wopParams, col, Int32Array.from(w), rows, inputs.length, null);
      native.dispose(col);
      return dot;
    });
    const all = native.concat(perResidue); // [residue i][row o]
    const b2 = native.gather(all, Uint32Array.from(Array.from({ length: rows * P2.length }, (_, k) => (k % P2.length) * rows + Math.floor(k / P2.length))));
    // Stage 2: a signed 8-bit dequantized output T2[S] * 2^64 / 2^9.
    const T2 = Array.from({ length: M2 }, () => rand(256) - 128);
    const dOut = 1n << 55n;
    const luts2 = lutOver(P2, (u) => torus(BigInt(T2[u]!) * dOut));
    const out = await native.wopLookup(ek, pfks, b2, Uint32Array.from(P2), new Uint32Array(rows), luts2, 1);
    const got = Array.from(native.decryptPhase(ck, out), (ph) => Math.round(Number(signedErr(ph, 0n) >> 54n) / 2));
    const want = Array.from({ length: rows }, (_, o) => T2[inputs.reduce((s, u, j) => s + w[o * inputs.length + j]! * T1[u]!, 0)]!);
    expect(t2).toBe(10);
    expect(got).toEqual(want);
    for (const h of [b1, y, ...perResidue, all, b2, out]) native.dispose(h);
  }, 300_000);
});
