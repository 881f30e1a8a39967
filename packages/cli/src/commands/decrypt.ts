// `fhenet decrypt --circuit c.json --keys dir --in outputs.ct`: decrypt and print the classes.
import type { CommandModule } from 'yargs';

interface DecryptArgs {
  circuit: string;
  keys: string;
  in: string;
  logits: boolean;
}

export const decryptCommand: CommandModule<object, DecryptArgs> = {
  command: 'decrypt',
  describe: 'Decrypt output ciphertexts and print the predicted classes',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('keys', { type: 'string', default: 'keys', describe: 'Key folder (fhenet keygen)' })
      .option('in', { type: 'string', default: 'outputs.ct', describe: 'Output ciphertext file (fhenet run)' })
      .option('logits', { type: 'boolean', default: false, describe: 'Also print the decoded logits' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/compiler');
    const { loadClient, readCiphertexts } = await import('@fhenet/runtime');
    const circuit = loadCircuit(a.circuit);
    const client = loadClient(a.keys, circuit);
    const decoded = client.decode(readCiphertexts(a.in, circuit));
    const n = client.outputSize;
    decoded.classes.forEach((c, i) => {
      const logits = a.logits ? `  logits ${Array.from(decoded.logits.subarray(i * n, (i + 1) * n), (v) => v.toFixed(3)).join(' ')}` : '';
      console.log(`sample ${i}: class ${c}${logits}`);
    });
  },
};
