// The server side of `fhenet run` for either client: the evaluation-key file and the input file
// say by their header which client made them (our engine's FHENETKC blobs or a node-tfhe
// FHENETRS container), the server loads them accordingly, refuses a mismatched pair, and answers
// in the inputs' form. The server reads no client key of either kind. Every file may carry a
// key-set envelope (key-set-file.ts): the inputs must belong to the keys' key set, and the outputs
// carry it on to `fhenet decrypt`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Circuit } from '@fhenet/circuit';
import type { LweCiphertextBatch } from '@fhenet/engine';
import { circuitParameters } from '@fhenet/circuit';
import { planCircuit, InferenceServer } from '@fhenet/executor';
import { PACKING_KEYS_FILE } from './key-folder.js';
import { SeededEvaluationKeys, SeededPackingKeys, readTfheRsCiphertextStream, writeTfheRsCiphertextStream, expandTfheRsServerKeyAsync } from '@fhenet/engine';
import type { WopParameterSet } from '@fhenet/params';
import { decodeTfheRsFile, encodeTfheRsFile, sniffFile } from './tfhe-rs/files.js';
import { assertSameKeySet, keySetHeader, openKeySetFile } from './key-set-file.js';
import { writeFileAtomically } from './safe-files.js';

export type ClientFamily = 'fhenet' | 'tfhe-rs';

/** Which key set a file belongs to (null: a file written before key-set ids). */
export interface KeySetRef {
  readonly file: string;
  readonly keySetId: string | null;
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
}

/**
 * Engine kind 3 (seeded evaluation keys) or a node-tfhe compressed server key; anything else is
 * refused. A circuit with CRT lookups also needs the seeded PFKS keys: `packingKeysPath`, or by
 * default the key folder's pfks-keys.seeded.bin next to the evaluation keys.
 */
export async function loadServerFromKeyFile(
  circuit: Circuit,
  path: string,
  onProgress?: (done: number, total: number) => void,
  packingKeysPath?: string,
): Promise<{ server: InferenceServer; family: ClientFamily; what: string; keySet: KeySetRef }> {
  const set = circuitParameters(circuit);
  const { keySetId, payload: bytes } = openKeySetFile(read(path), path);
  const keySet: KeySetRef = { file: path, keySetId };
  const f = sniffFile(bytes);
  const wrap = async <T>(p: () => Promise<T> | T): Promise<T> => {
    try {
      return await p();
    } catch (e) {
      const m = (e as Error).message;
      throw new Error(m.startsWith(`${path}:`) ? m : `${path}: ${m}`);
    }
  };
  if (f.family === 'fhenet' && f.kind === 3) {
    const seeded = await wrap(() => SeededEvaluationKeys.deserialize(bytes, set));
    let packing: SeededPackingKeys | null = null;
    if (planCircuit(circuit).wopLookupsPerSample > 0) {
      const pk = packingKeysPath ?? join(dirname(path), PACKING_KEYS_FILE);
      if (!existsSync(pk)) {
        seeded.dispose();
        throw new Error(
          `${pk}: missing: circuit "${circuit.name}" has CRT stages, whose WoP lookups need the client's seeded packing keyswitching keys (key folder v2, --packing-keys)`,
        );
      }
      const pkFile = openKeySetFile(read(pk), pk);
      try {
        assertSameKeySet(keySet, { file: pk, keySetId: pkFile.keySetId });
      } catch (e) {
        seeded.dispose();
        throw e;
      }
      const pkBytes = pkFile.payload;
      try {
        packing = SeededPackingKeys.deserialize(pkBytes, set as WopParameterSet);
      } catch (e) {
        seeded.dispose();
        throw new Error(`${pk}: ${(e as Error).message}`);
      }
    }
    const server = await InferenceServer.fromSeeded(circuit, seeded, onProgress, packing);
    seeded.dispose();
    packing?.dispose();
    return { server, family: 'fhenet', what: f.what, keySet };
  }
  if (f.family === 'tfhe-rs' && f.kind === 'compressedServerKey') {
    const { payload } = decodeTfheRsFile(bytes, path, set, ['compressedServerKey']);
    const keys = await wrap(() => expandTfheRsServerKeyAsync(payload, set, onProgress));
    return { server: new InferenceServer(circuit, keys), family: 'tfhe-rs', what: f.what, keySet };
  }
  const hint =
    (f.family === 'fhenet' && f.kind === 1) || (f.family === 'tfhe-rs' && f.kind === 'clientKey') ? ' (a SECRET client key: never give it to a server)' : '';
  throw new Error(
    `${path}: header: expected evaluation keys (fhenet seeded evaluation keys from \`fhenet keygen\`, or a node-tfhe compressed server key from \`fhenet keygen --client node-tfhe\`), got ${f.what}${hint}`,
  );
}

/** The input file, which must come from the same client as the keys (and, with `keys`, from their key set). */
export function readServerInputs(server: InferenceServer, family: ClientFamily, path: string, keys?: KeySetRef): LweCiphertextBatch {
  const set = server.params;
  const { keySetId, payload: bytes } = openKeySetFile(read(path), path);
  const f = sniffFile(bytes);
  const expected = family === 'fhenet' ? 'fhenet ciphertext batch (`fhenet encrypt`)' : 'node-tfhe ciphertexts (`fhenet encrypt` with a node-tfhe key folder)';
  const ok =
    family === 'fhenet' ? f.family === 'fhenet' && f.kind === 4 : f.family === 'tfhe-rs' && (f.kind === 'compressedCiphertexts' || f.kind === 'ciphertexts');
  if (!ok) {
    const mismatch =
      f.family !== 'unknown' && f.family !== family
        ? ` (the evaluation keys come from ${family === 'fhenet' ? "fhenet's own client" : 'node-tfhe'}, the inputs from the other client: they are under different secret keys)`
        : '';
    throw new Error(`${path}: header: expected ${expected}, got ${f.what}${mismatch}`);
  }
  // The file's own structure first (a wrong or corrupt file says so), then whose keys it is for.
  const batch = (() => {
    if (family === 'fhenet') {
      try {
        return server.readInputs(bytes);
      } catch (e) {
        throw new Error(`${path}: ${(e as Error).message}`);
      }
    }
    const { kind, payload, count } = decodeTfheRsFile(bytes, path, set, ['compressedCiphertexts', 'ciphertexts']);
    if (count % server.plan.inputSize !== 0) {
      throw new Error(`${path}: item count: expected a multiple of ${server.plan.inputSize} ciphertexts (one sample each), got ${count}`);
    }
    try {
      return readTfheRsCiphertextStream(payload, set, { compressed: kind === 'compressedCiphertexts' });
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  })();
  try {
    if (keys) assertSameKeySet(keys, { file: path, keySetId });
  } catch (e) {
    batch.dispose();
    throw e;
  }
  return batch;
}

/**
 * Outputs in the form of the inputs: our ciphertext batch, or node-tfhe ciphertexts declaring
 * message modulus 2p; in the envelope of `keySetId` (the keys'), written atomically.
 */
export function writeServerOutputs(
  server: InferenceServer,
  family: ClientFamily,
  path: string,
  outputs: LweCiphertextBatch,
  writer = 'fhenet server',
  keySetId: string | null = null,
): void {
  const set = server.params;
  const size = 8 * (set.glweDimension * set.polynomialSize + 1) + 72;
  const bytes = family === 'fhenet' ? outputs.serialize() : encodeTfheRsFile('ciphertexts', set, writeTfheRsCiphertextStream(outputs, set), writer, size);
  writeFileAtomically(path, keySetId ? [keySetHeader(keySetId, bytes.length), bytes] : [bytes]);
}
