// Circuits with CRT stages (format v4, docs/crt.md) run encrypted end to end: the compiler's WoP
// set, client and PFKS keys (through bytes, as over a network), residue encryption, per-modulus dot
// products and batched WoP lookups on the server, decryption; every decrypted integer equals
// `simulate`. Two synthetic circuits compiled from tiny graphs: a CRT last stage decoded by the
// client through the CRT (clearTable), and one whose last stage's table integers are decrypted
// (dequantize). Plus the refusals: mixed circuits, missing / wrong PFKS keys, v1 key folders.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circuitFromJson, circuitToJson, quantizeInputs, simulate, type Circuit } from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import type { TrainedGraph } from '@fhenet/training';
import { InferenceClient, loadClient, loadSeededPackingKeys, readManifest, writeKeyDir } from '@fhenet/client';
import { InferenceServer, modelExecutionMemory, planCircuit, type StageProgress } from '@fhenet/executor';
import { SeededEvaluationKeys, SeededPackingKeys } from '@fhenet/engine';
import type { WopParameterSet } from '@fhenet/params';
import { fcnnGraph, randomBytes } from '@fhenet/testing';

/** fcnnGraph with a 4-bit output quantizer: the last stage has tables, the client decrypts its integers (dequantize). */
function quantizedLogits(seed: number): TrainedGraph {
  const g = fcnnGraph(seed);
  const q = { bits: 4, signed: true, range: 'wide', scale: [Math.fround(0.2)], zeroPoint: [0] } as never;
  return { ...g, layers: [...g.layers, { type: 'quantizer', name: 'qout', inputShape: [3], outputShape: [3], quantizer: q }] };
}

/** Every encrypted stage a CRT stage (--crt with a 4-bit padded budget), worst-case sizing. */
const crtCircuit = (g: TrainedGraph): Circuit => {
  const c = compile(g, { sizing: 'worstCase', crt: true, maxBits: 4 }).circuit;
  // Through the file format, as the CLI hands it over (the reader validates the WoP set).
  return circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(c))));
};

async function serverFor(circuit: Circuit, client: InferenceClient): Promise<InferenceServer> {
  const seeded = await client.generateSeededEvaluationKeys();
  const packing = await client.generateSeededPackingKeys();
  const set = circuit.parameters!.set as WopParameterSet;
  // The server gets bytes only.
  const server = await InferenceServer.fromSeeded(
    circuit,
    SeededEvaluationKeys.deserialize(seeded.serialize(), set),
    undefined,
    SeededPackingKeys.deserialize(packing.serialize(), set),
  );
  seeded.dispose();
  packing.dispose();
  return server;
}

describe('CRT circuit, table-less last stage (client rebuilds u by the CRT)', () => {
  const circuit = crtCircuit(fcnnGraph(11));
  let client: InferenceClient;
  let server: InferenceServer;
  beforeAll(async () => {
    client = InferenceClient.generate(circuit);
    server = await serverFor(circuit, client);
  }, 300_000);
  afterAll(() => server?.dispose());

  it('compiles to an all-CRT circuit with a secure WoP set', () => {
    expect(circuit.stages.every((s) => s.crt)).toBe(true);
    expect(circuit.stages.at(-1)!.tables).toBeNull();
    const set = circuit.parameters!.set as WopParameterSet;
    expect(set.circuitBootstrap.levelCount).toBeGreaterThan(0);
    expect(set.messageBits).toBe(Math.ceil(Math.log2(Math.max(...circuit.stages.flatMap((s) => s.crt!.moduli)))) + 1);
  });

  it('two samples: every decrypted integer equals simulate; progress per stage with WoP lookups', async () => {
    const count = 2;
    const q = quantizeInputs(circuit, randomBytes(5, count * 16), count);
    const sim = simulate(circuit, q, count).outputs;
    const inputs = client.encryptQuantized(q);
    const moduli0 = circuit.stages[0]!.crt!.moduli.length;
    expect(inputs.count).toBe(count * 16 * moduli0);
    const events: StageProgress[] = [];
    const r = await server.infer(inputs, (p) => events.push(p));
    inputs.dispose();
    const got = client.decryptValues(r.outputs);
    expect(r.outputs.count).toBe(count * 3 * circuit.stages[2]!.crt!.moduli.length);
    const decoded = client.decode(r.outputs);
    r.outputs.dispose();
    expect(Array.from(got)).toEqual(Array.from(sim));
    expect(Array.from(decoded.values)).toEqual(Array.from(sim));
    // The values are the u in [0, M) the client decodes: not all equal (a real computation).
    expect(new Set(got).size).toBeGreaterThan(1);
    expect(r.stages.map((s) => s.wopLookups)).toEqual([24, 24, 0]);
    expect(r.stages[0]!.pbsEquivalents).toBeGreaterThan(24);
    const lookupEvents = events.filter((e) => e.phase === 'pbs' && e.done !== undefined);
    expect(lookupEvents.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.phase === 'done').map((e) => e.name)).toEqual(circuit.stages.map((s) => s.name));
  }, 600_000);

  it('refuses a server without PFKS keys and PFKS bytes of another WoP set, each with a clear error', async () => {
    const seeded = await client.generateSeededEvaluationKeys();
    const keys = await seeded.decompress();
    expect(() => new InferenceServer(circuit, keys)).toThrow(/WoP lookups: the server needs the client's packing keyswitching \(PFKS\) keys/);
    const set = circuit.parameters!.set as WopParameterSet;
    const bytes = (await client.generateSeededPackingKeys()).serialize();
    const other: WopParameterSet = { ...set, circuitBootstrap: { baseLog: set.circuitBootstrap.baseLog - 1, levelCount: set.circuitBootstrap.levelCount + 1 } };
    expect(() => SeededPackingKeys.deserialize(bytes, other)).toThrow(
      /packing keyswitching keys: .*made for other parameters.*fingerprint differs.*expected keys for WoP set .*circuitBootstrap \d+\/\d+/,
    );
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 20]! ^= 1;
    expect(() => SeededPackingKeys.deserialize(corrupt, set)).toThrow(/checksum/);
    expect(() => SeededPackingKeys.deserialize(bytes.subarray(0, 1000), set)).toThrow();
    keys.dispose();
    seeded.dispose();
  }, 300_000);

  it('a key folder carries the PFKS keys; a v1 manifest (no PFKS file) is refused naming the field', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fhenet-crt-keys-')), 'keys');
    const made = await writeKeyDir(dir, circuit);
    expect(made.manifest.version).toBe(3);
    expect(made.manifest.files.seededPackingKeys).toBe('pfks-keys.seeded.bin');
    expect(readManifest(dir, circuit).wopFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(loadSeededPackingKeys(dir, circuit)).not.toBeNull();
    expect(loadClient(dir, circuit).inputCiphertexts).toBe(16 * circuit.stages[0]!.crt!.moduli.length);
    const path = join(dir, 'keys.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    const { seededPackingKeys: _, ...files } = m.files;
    const { keySetId: __, ...v1 } = m;
    writeFileSync(path, JSON.stringify({ ...v1, version: 1, files }));
    expect(() => readManifest(dir, circuit)).toThrow(
      /need packing keyswitching keys: expected a version 2 folder with files.seededPackingKeys, got version 1 without it/,
    );
    writeFileSync(path, JSON.stringify({ ...m, wopFingerprint: '0'.repeat(64) }));
    expect(() => readManifest(dir, circuit)).toThrow(/wopFingerprint: expected [0-9a-f]{64}/);
    made.client.key.dispose();
    made.seeded.dispose();
    made.packing?.dispose();
  }, 300_000);

  it('memory model: PFKS keys, residue tensors and the GGSW chunk are counted', () => {
    const m = modelExecutionMemory(planCircuit(circuit), { count: 2 });
    expect(m.keyBytes.packingKeyswitch).toBeGreaterThan(0);
    expect(m.keyBytes.total).toBe(m.keyBytes.bootstrap + m.keyBytes.keyswitch + m.keyBytes.packingKeyswitch!);
    expect(m.stages[0]!.pbsScratchBytes).toBeGreaterThan(0);
    expect(m.stages[2]!.pbsScratchBytes).toBe(0); // table-less: no lookup
  });
});

describe('CRT circuit whose last stage has tables (the client decrypts T_c[u])', () => {
  const circuit = crtCircuit(quantizedLogits(11));
  it('one sample: every decrypted integer equals simulate (residues CRT -> CRT, then the signed output encoding)', async () => {
    expect(circuit.stages.every((s) => s.crt)).toBe(true);
    expect(circuit.output.kind).toBe('dequantize');
    const client = InferenceClient.generate(circuit);
    const server = await serverFor(circuit, client);
    const q = quantizeInputs(circuit, randomBytes(9, 16), 1);
    const sim = simulate(circuit, q, 1).outputs;
    const r = await server.infer(client.encryptQuantized(q));
    expect(r.outputs.count).toBe(3);
    expect(Array.from(client.decryptValues(r.outputs))).toEqual(Array.from(sim));
    const out = circuit.output as { scale: number; zeroPoint: number };
    expect(Array.from(client.decode(r.outputs).logits)).toEqual(Array.from(sim, (v) => out.scale * (v - out.zeroPoint)));
    r.outputs.dispose();
    server.dispose();
  }, 600_000);
});

describe('mixed circuits (padded and CRT stages) are refused', () => {
  it('the compiler gives them no parameters and the runtime names the stages and the way out', () => {
    const { circuit, report } = compile(fcnnGraph(11), { sizing: 'worstCase', crt: true, maxBits: 5 });
    expect(circuit.stages.some((s) => s.crt) && circuit.stages.some((s) => !s.crt)).toBe(true);
    expect(circuit.parameters).toBeUndefined();
    expect('error' in report.parameters && report.parameters.error).toMatch(/mixes padded stages/);
    expect(() => planCircuit(circuit)).toThrow(/mixes padded stages \(.*\) with CRT stages \(.*\).*--crt --max-bits 4/);
    expect(() => InferenceClient.generate(circuit)).toThrow(/mixes padded stages/);
  });
});
