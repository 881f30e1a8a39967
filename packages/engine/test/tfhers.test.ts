import { TINY_MNIST_CIRCUIT, gaussianSet, tuniformSet } from '@fhenet/testing';
// Interop with Zama's node-tfhe 1.7 (tfhe-rs compiled to wasm): keys and ciphertexts come only
// from node-tfhe, our engine computes, node-tfhe decrypts. Ground truth for the CSPRNG is
// node-tfhe's own decompression and Node's AES.
import { createCipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadCircuit, newParameters, tfheRsParameters } from '@fhenet/circuit';
import { beforeAll, describe, expect, test } from 'vitest';
import { ServerEngine } from '../src/server-engine.js';
import { nativeTesting } from '../src/native.js';
import {
  decompressTfheRsCiphertext,
  expandTfheRsServerKey,
  expandTfheRsServerKeyAsync,
  readTfheRsCiphertexts,
  readTfheRsCiphertextStream,
  tfheRsCiphertextBytes,
  writeTfheRsCiphertexts,
  writeTfheRsCiphertextStream,
} from '@fhenet/engine';
import { TfheRsClient } from '@fhenet/client';

// node-tfhe is CommonJS (wasm-bindgen nodejs target).
type NodeTfhe = typeof import('node-tfhe');
const tfhe = createRequire(import.meta.url)('node-tfhe') as NodeTfhe;
const S = tfhe.Shortint;

const set4 = tuniformSet(4);
const set2 = tuniformSet(2);

function clientKey(set: typeof set4) {
  return S.new_client_key(newParameters(S, tfheRsParameters(set)));
}

/** Bytes of AES-128(key) over counters c, c+1, ... encoded little-endian (tfhe-csprng's table). */
function nodeAesTable(key: Uint8Array, firstBlock: number, blocks: number): Buffer {
  const input = Buffer.alloc(16 * blocks);
  for (let b = 0; b < blocks; b++) {
    let v = BigInt(firstBlock + b);
    for (let j = 0; j < 16; j++) {
      input[16 * b + j] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  const c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([c.update(input), c.final()]);
}

describe('tfhe-rs CSPRNG (AES-128 counter mode, tfhe-csprng table indices)', () => {
  test('equals Node AES-128-ECB of little-endian counters, from any table index, AES-NI and portable', () => {
    for (let trial = 0; trial < 20; trial++) {
      const key = randomBytes(16);
      const aesIndex = trial * 977;
      const byteIndex = trial % 16;
      const length = 1 + ((trial * 4099) % 3000);
      const expected = nodeAesTable(key, aesIndex, Math.ceil((byteIndex + length) / 16)).subarray(byteIndex, byteIndex + length);
      for (const portable of [false, true]) {
        const got = nativeTesting.tfhersCsprngBytes(key, aesIndex, byteIndex, length, portable);
        expect(Buffer.compare(got, expected), `trial ${trial} portable=${portable}`).toBe(0);
      }
    }
  });
  test('FIPS-197 appendix C.1 key: Node reproduces the published vector, and ours equals Node', () => {
    // The vector's plaintext is a counter beyond the hook's integer range, so the reference is
    // Node's AES, itself checked against FIPS-197 here.
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    const fips = Buffer.concat([c.update(Buffer.from('00112233445566778899aabbccddeeff', 'hex')), c.final()]);
    expect(fips.toString('hex')).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    for (const portable of [false, true]) {
      expect(nativeTesting.tfhersCsprngBytes(key, 0, 0, 16, portable).equals(nodeAesTable(key, 0, 1))).toBe(true);
    }
  });
});

describe('node-tfhe ciphertexts', () => {
  const ck = clientKey(set4);

  test('compressed ciphertexts expanded by our code equal Shortint.decompress_ciphertext byte for byte', () => {
    for (let m = 0; m < 16; m++) {
      const compressed = S.encrypt_compressed(ck, BigInt(m));
      const theirs = S.serialize_ciphertext(S.decompress_ciphertext(compressed));
      const ours = decompressTfheRsCiphertext(S.serialize_compressed_ciphertext(compressed), set4);
      expect(ours.length).toBe(theirs.length);
      expect(Buffer.compare(Buffer.from(ours), Buffer.from(theirs)), `message ${m}`).toBe(0);
    }
  });

  test('node-tfhe fresh encryptions carry the GLWE noise (TU(17) here), which our error budget assumes', () => {
    // Test-only read of node-tfhe's client key (layout in docs/tfhe-rs-formats.md): u32 tag 0,
    // then the GLWE key as a Vec<u64> of K bits. The server never receives this key.
    const K = set4.glweDimension * set4.polynomialSize;
    const key = Buffer.from(S.serialize_client_key(ck));
    expect(key.readUInt32LE(0)).toBe(0);
    expect(Number(key.readBigUInt64LE(4))).toBe(K);
    const s = Array.from({ length: K }, (_, i) => key.readBigUInt64LE(12 + 8 * i));
    const M = 1n << 64n;
    const delta = (1n << 63n) / 16n;
    let maxAbs = 0n;
    for (let r = 0; r < 8; r++) {
      const m = BigInt((r * 5) % 16);
      const ct = Buffer.from(S.serialize_ciphertext(S.encrypt(ck, m)));
      let phase = ct.readBigUInt64LE(8 + 8 * K);
      for (let i = 0; i < K; i++) if (s[i]) phase -= ct.readBigUInt64LE(8 + 8 * i);
      let e = (((phase - m * delta) % M) + M) % M;
      if (e >= M / 2n) e -= M;
      if ((e < 0n ? -e : e) > maxAbs) maxAbs = e < 0n ? -e : e;
    }
    const glwe = set4.glweNoise.kind === 'tuniform' ? set4.glweNoise.boundLog2 : NaN;
    expect(maxAbs <= 1n << BigInt(glwe)).toBe(true);
    expect(maxAbs > 0n).toBe(true);
  });

  test('read then written back: node-tfhe decrypts the same messages (plain and compressed input)', () => {
    const messages = [0, 1, 7, 8, 15];
    for (const compressed of [false, true]) {
      const bytes = messages.map((m) =>
        compressed ? S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, BigInt(m))) : S.serialize_ciphertext(S.encrypt(ck, BigInt(m))),
      );
      const batch = readTfheRsCiphertexts(bytes, set4, { compressed });
      expect(batch.count).toBe(messages.length);
      const back = writeTfheRsCiphertexts(batch, set4);
      expect(back.map((b) => Number(S.decrypt(ck, S.deserialize_ciphertext(b))))).toEqual(messages);
      batch.dispose();
    }
  });

  test('streams: concatenated ciphertexts in (plain and compressed), concatenated ciphertexts out', () => {
    const messages = [2, 9, 14];
    const plain = Buffer.concat(messages.map((m) => S.serialize_ciphertext(S.encrypt(ck, BigInt(m)))));
    const compressed = Buffer.concat(messages.map((m) => S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, BigInt(m)))));
    expect(plain.length).toBe(3 * tfheRsCiphertextBytes(set4));
    expect(compressed.length).toBe(3 * tfheRsCiphertextBytes(set4, true));
    for (const [bytes, opts] of [
      [plain, {}],
      [compressed, { compressed: true }],
    ] as const) {
      const batch = readTfheRsCiphertextStream(bytes, set4, opts);
      const out = writeTfheRsCiphertextStream(batch, set4);
      const size = tfheRsCiphertextBytes(set4);
      expect(out.length).toBe(3 * size);
      expect(messages.map((_, i) => Number(S.decrypt(ck, S.deserialize_ciphertext(out.subarray(i * size, (i + 1) * size)))))).toEqual(messages);
      batch.dispose();
    }
    expect(() => readTfheRsCiphertextStream(plain.subarray(1), set4)).toThrow(/not a whole number of ciphertexts of 16464 bytes/);
  });

  test('clear errors: small-key ciphertext, other message modulus, truncation, trailing bytes', () => {
    const good = S.serialize_ciphertext(S.encrypt(ck, 3n));
    expect(() => readTfheRsCiphertexts([good.subarray(0, 100)], set4)).toThrow(/ciphertext 0: truncated tfhe-rs shortint Ciphertext: field ct\.data needs/);
    expect(() => readTfheRsCiphertexts([Buffer.concat([good, Buffer.alloc(3)])], set4)).toThrow(/3 unexpected trailing bytes/);
    // A 2-bit client's ciphertext given to a 4-bit circuit: k*N differs (4*512 = 2048 = 1*2048), so
    // the message modulus is what tells them apart.
    const ck2 = clientKey(set2);
    const other = S.serialize_ciphertext(S.encrypt(ck2, 1n));
    expect(() => readTfheRsCiphertexts([other], set4)).toThrow(/field message_modulus at byte \d+: expected 16 \(2\^4 from the circuit\), got 4/);
    const smallParams = newParameters(S, tfheRsParameters(set4));
    smallParams.set_encryption_key_choice(tfhe.ShortintEncryptionKeyChoice.Small);
    const ckSmall = S.new_client_key(smallParams);
    const small = S.serialize_ciphertext(S.encrypt(ckSmall, 1n));
    expect(() => readTfheRsCiphertexts([small], set4)).toThrow(/under the small LWE key \(size 919\): encrypt with EncryptionKeyChoice\.Big/);
  });

  test('foreign versions: an unknown enum tag names the field and asks about the tfhe-rs version', () => {
    const good = Buffer.from(S.serialize_ciphertext(S.encrypt(ck, 3n)));
    const bad = Buffer.from(good);
    bad.writeUInt32LE(7, bad.length - 8); // AtomicPatternKind tag
    expect(() => readTfheRsCiphertexts([bad], set4)).toThrow(/field atomic_pattern at byte \d+: unknown enum variant 7 .*other than 1\.6-1\.7\?/);
    const compressed = Buffer.from(S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, 3n)));
    compressed.writeUInt32LE(1, 16); // SeedKind::Xof
    expect(() => readTfheRsCiphertexts([compressed], set4, { compressed: true })).toThrow(/XofSeed compression seeds are not supported/);
  });

  test('fuzz: random buffers given to every reader throw Errors naming the object, never crash', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 600; i++) {
      const len = next() % 400;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = next() & 0xff;
      // Plausible prefixes too: a right-looking length word, or the Standard tag.
      if (len >= 8 && i % 3 === 0) b.writeBigUInt64LE(2049n, 0);
      if (len >= 4 && i % 3 === 1) b.writeUInt32LE(0, 0);
      expect(() => readTfheRsCiphertexts([b], set4)).toThrow(/tfhe-rs shortint Ciphertext/);
      expect(() => readTfheRsCiphertexts([b], set4, { compressed: true })).toThrow(/tfhe-rs shortint CompressedCiphertext/);
      expect(() => expandTfheRsServerKey(b, set4)).toThrow(/tfhe-rs shortint CompressedServerKey/);
    }
  });

  test('fuzz: mutated and truncated ciphertexts throw Errors, never crash', () => {
    const plain = Buffer.from(S.serialize_ciphertext(S.encrypt(ck, 5n)));
    const compressed = Buffer.from(S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, 5n)));
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      const src = i % 2 === 0 ? plain : compressed;
      const b = Buffer.from(src);
      // Mutations concentrate on the metadata (the mask bytes are any u64).
      const region = i % 4 < 2 ? b.length - 124 : 0;
      for (let j = 0; j < 1 + (i % 3); j++) b[Math.max(0, region) + ((i * 7919 + j * 104729) % Math.min(b.length, 124))]! ^= 1 << (i % 8);
      const input = i % 5 === 0 ? b.subarray(0, (i * 31) % b.length) : b;
      try {
        readTfheRsCiphertexts([input], set4, { compressed: src === compressed }).dispose();
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/tfhe-rs shortint|truncated/);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});

describe('node-tfhe compressed server key -> our keyswitch + PBS -> node-tfhe decrypt', () => {
  const ck = clientKey(set4);
  let serverKey: Uint8Array;
  beforeAll(() => {
    serverKey = S.serialize_compressed_server_key(S.new_compressed_server_key(ck));
  }, 120_000);

  test('every 4-bit input through two tables decrypts (node-tfhe) to the table value (async expansion, progress)', async () => {
    const reports: [number, number][] = [];
    const keys = await expandTfheRsServerKeyAsync(serverKey, set4, (done, total) => reports.push([done, total]));
    // Units: ceil(K / 64) keyswitch-key chunks + n GGSWs; reports increase; the last one is the total.
    const total = 2048 / 64 + 918;
    expect(reports.length).toBeGreaterThan(10);
    expect(reports.every(([d, t], i) => t === total && d > (reports[i - 1]?.[0] ?? 0))).toBe(true);
    expect(reports[reports.length - 1]).toEqual([total, total]);
    const engine = new ServerEngine(set4, keys);
    const inputs = Array.from({ length: 16 }, (_, m) => m);
    // The second table has negative outputs (PBS outputs live in [-p, p)): they come back as
    // residues mod 2p because our ciphertexts declare message modulus 2p.
    const tables = [inputs.map((m) => (m * 5 + 3) % 16), inputs.map((m) => 7 - m)];
    const bytes = inputs.flatMap((m) => [
      S.serialize_ciphertext(S.encrypt(ck, BigInt(m))),
      S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, BigInt(m))),
    ]);
    const plainIn = readTfheRsCiphertexts(
      bytes.filter((_, i) => i % 2 === 0),
      set4,
    );
    const compressedIn = readTfheRsCiphertexts(
      bytes.filter((_, i) => i % 2 === 1),
      set4,
      { compressed: true },
    );
    for (const [t, input] of [
      [0, plainIn],
      [1, compressedIn],
    ] as const) {
      const out = engine.pbs(
        input,
        inputs.map(() => t),
        tables,
      );
      const decrypted = writeTfheRsCiphertexts(out, set4).map((b) => Number(S.decrypt(ck, S.deserialize_ciphertext(b))));
      expect(decrypted).toEqual(tables[t]!.map((v) => (v + 32) % 32));
      out.dispose();
    }
    keys.dispose();
  }, 120_000);

  test('a server key for other parameters or with a foreign tag is refused, the field named; fuzzed headers never crash', async () => {
    expect(() => expandTfheRsServerKey(serverKey, set2)).toThrow(/key_switching_key\.data at byte 4: length expected 6144 \(from the parameters\), got 8192/);
    const bad = Buffer.from(serverKey);
    bad.writeUInt32LE(3, 0);
    expect(() => expandTfheRsServerKey(bad, set4)).toThrow(/compressed_ap_server_key at byte 0: unknown enum variant 3/);
    const tail = Buffer.from(serverKey);
    tail.writeUInt32LE(1, tail.length - 40); // modulus switch: DriftTechniqueNoiseReduction
    expect(() => expandTfheRsServerKey(tail, set4)).toThrow(/drift-technique modulus switch key is not supported/);
    expect(() => expandTfheRsServerKey(serverKey.subarray(0, serverKey.length - 1), set4)).toThrow(
      /truncated tfhe-rs shortint CompressedServerKey: field max_noise_level/,
    );
    await expect(expandTfheRsServerKeyAsync(serverKey.subarray(0, 100), set4)).rejects.toThrow(
      /truncated tfhe-rs shortint CompressedServerKey: field key_switching_key\.data needs 65536 bytes at byte 12/,
    );
    // Mutations of the small fields (first 12 bytes, the KSK/BSK metadata and the tail).
    const kskEnd = 12 + 8 * 2048 * 4;
    const bskMeta = kskEnd + 24 + 44 + 24 + 4 + 8 + 8 * 918 * 2 * 2048;
    const regions = [0, kskEnd, bskMeta, serverKey.length - 72];
    for (let i = 0; i < 24; i++) {
      const b = Buffer.from(serverKey);
      const at = regions[i % 4]! + ((i * 37) % 60);
      b[Math.min(at, b.length - 1)]! ^= 0x40;
      try {
        expandTfheRsServerKey(b, set4).dispose();
      } catch (e) {
        expect((e as Error).message).toMatch(/tfhe-rs shortint CompressedServerKey/);
      }
    }
  }, 120_000);
});

describe('Gaussian noise (new_gaussian_from_std_dev with sigma / 2^64)', () => {
  test('4-bit Gaussian set: node-tfhe keys and ciphertexts, our PBS, every value decrypts to the table', async () => {
    const set = gaussianSet(4);
    const ck = clientKey(set);
    const keys = await expandTfheRsServerKeyAsync(S.serialize_compressed_server_key(S.new_compressed_server_key(ck)), set);
    const inputs = Array.from({ length: 16 }, (_, m) => m);
    const table = inputs.map((m) => (m * m) % 16);
    const batch = readTfheRsCiphertexts(
      inputs.map((m) => S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, BigInt(m)))),
      set,
      { compressed: true },
    );
    const out = new ServerEngine(set, keys).pbs(
      batch,
      inputs.map(() => 0),
      [table],
    );
    expect(writeTfheRsCiphertexts(out, set).map((b) => Number(S.decrypt(ck, S.deserialize_ciphertext(b))))).toEqual(table);
    keys.dispose();
  }, 120_000);
});

describe('TfheRsClient (the client half over node-tfhe)', () => {
  const circuit = loadCircuit(TINY_MNIST_CIRCUIT);
  const client = TfheRsClient.generate(S, circuit);

  test('a key saved and loaded decrypts what the first one encrypted; sizes per the set', () => {
    const q = Int32Array.from({ length: client.sampleSize }, (_, i) => i % 3);
    const plain = client.encryptQuantized(q, { compressed: false });
    const compressed = client.encryptQuantized(q);
    const size = tfheRsCiphertextBytes(circuit.parameters!.set);
    expect(plain.length).toBe(q.length * size);
    expect(compressed.length).toBe(q.length * 124);
    const again = TfheRsClient.fromKeyBytes(S, circuit, client.serializeKey());
    // The first outputSize input ciphertexts, decrypted as if they were outputs.
    expect(Array.from(again.decryptValues(plain.subarray(0, client.outputSize * size)))).toEqual(Array.from(q.subarray(0, client.outputSize)));
  });

  test('refused with the reason: inputs outside [0, p), partial samples, answers of the wrong size', () => {
    const q = new Int32Array(client.sampleSize);
    q[5] = 64;
    expect(() => client.encryptQuantized(q)).toThrow(/input 5 is 64, outside \[0, 64\)/);
    expect(() => client.encryptQuantized(new Int32Array(10))).toThrow(/multiple of 784 input integers, got 10/);
    expect(() => client.decryptValues(new Uint8Array(100))).toThrow(/multiple of 10 ciphertexts of 32848 bytes, got 100 bytes/);
  });
});
