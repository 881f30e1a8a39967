// `fhenet decrypt --circuit c.json --keys dir --in outputs.ct`: decrypt and print the classes, with
// the key folder's client (ours, or node-tfhe: docs/node-tfhe-client.md).
import type { CommandModule } from 'yargs';
import { circuitDomain, className } from '../data-args.js';

interface DecryptArgs {
  circuit: string;
  keys: string;
  in: string;
  logits: boolean;
  client?: string;
}

export const decryptCommand: CommandModule<object, DecryptArgs> = {
  command: 'decrypt',
  describe: 'Decrypt output ciphertexts and print the predicted classes',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('keys', { type: 'string', default: 'keys', describe: 'Key folder (fhenet keygen)' })
      .option('in', { type: 'string', default: 'outputs.ct', describe: 'Output ciphertext file (fhenet run)' })
      .option('logits', { type: 'boolean', default: false, describe: 'Also print the decoded logits' })
      .option('client', {
        type: 'string',
        choices: ['fhenet', 'node-tfhe'],
        describe: 'Expected client of the key folder (default: whichever made it, from its keys.json)',
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/circuit');
    const { decodeTfheRsOutputFile, keyDirClient, keySetOf, loadClient, loadTfheRsClient, openKeySetFile, readCiphertexts, sniffFile } = await import(
      '@fhenet/client'
    );
    const { readFileSync } = await import('node:fs');
    const circuit = loadCircuit(a.circuit);
    const kind = keyDirClient(a.keys);
    if (a.client !== undefined && a.client !== kind)
      throw new Error(`--client ${a.client}: the key folder ${a.keys} was made by ${kind === 'node-tfhe' ? 'node-tfhe' : "fhenet's own client"}`);
    let decoded: import('@fhenet/client').DecodedOutputs;
    let n: number;
    // Outputs answered for another key folder's keys: refused, naming both key-set ids.
    const keySet = keySetOf(a.keys);
    if (kind === 'node-tfhe') {
      const client = loadTfheRsClient(a.keys, circuit);
      decoded = decodeTfheRsOutputFile(client, a.in, keySet);
      n = client.outputSize;
    } else {
      const client = loadClient(a.keys, circuit);
      const f = sniffFile(openKeySetFile(readFileSync(a.in), a.in).payload);
      if (f.family !== 'fhenet')
        throw new Error(`${a.in}: header: expected an fhenet ciphertext batch (the key folder ${a.keys} is fhenet's own), got ${f.what}`);
      try {
        decoded = client.decode(readCiphertexts(a.in, circuit, keySet));
      } catch (e) {
        const m = (e as Error).message;
        throw new Error(m.startsWith('key sets differ') || m.startsWith(a.in) ? m : `${a.in}: ${m}`);
      }
      n = client.outputSize;
    }
    const domain = circuitDomain(circuit, n);
    decoded.classes.forEach((c, i) => {
      const logits = a.logits ? `  logits ${Array.from(decoded.logits.subarray(i * n, (i + 1) * n), (v) => v.toFixed(3)).join(' ')}` : '';
      console.log(`sample ${i}: class ${className(domain, c)}${logits}`);
    });
  },
};
