// `fhenet keygen --circuit c.json --out dir [--client node-tfhe]`: client key + seeded evaluation
// keys for the circuit's parameter set (docs/client-files.md), or with node-tfhe a client key +
// compressed server key (docs/node-tfhe-client.md). Logic in @fhenet/client.
import type { CommandModule } from 'yargs';

interface KeygenArgs {
  circuit: string;
  out: string;
  client: string;
  force: boolean;
}

export const keygenCommand: CommandModule<object, KeygenArgs> = {
  command: 'keygen',
  describe: 'Generate a client key and seeded evaluation keys for a circuit',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file (fhenet compile)' })
      .option('out', { type: 'string', default: 'keys', describe: 'Key folder to write (written whole, atomically; an existing one is refused)' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing key folder (its old secret key is lost)' })
      .option('client', {
        type: 'string',
        choices: ['fhenet', 'node-tfhe'],
        default: 'fhenet',
        describe: "Client library holding the secret key: fhenet's engine, or Zama's node-tfhe (tfhe-rs 1.7)",
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/circuit');
    const circuit = loadCircuit(a.circuit);
    const t0 = performance.now();
    if (a.client === 'node-tfhe') {
      const { writeTfheRsKeyDir } = await import('@fhenet/client');
      process.stderr.write(
        `node-tfhe: generating a client key and a compressed server key for ${circuit.parameters?.set.name ?? '?'} (single-threaded wasm, no progress)\n`,
      );
      const { manifest, serverKey } = await writeTfheRsKeyDir(a.out, circuit, undefined, { force: a.force });
      console.log(
        `node-tfhe keys for ${manifest.parameters} written to ${a.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
          `(${manifest.files.clientKey}: SECRET, keep it; ${manifest.files.serverKey}: ${(serverKey.length / 2 ** 20).toFixed(1)} MiB, send to the server)`,
      );
      return;
    }
    const { writeKeyDir } = await import('@fhenet/client');
    let last = -1;
    const { manifest } = await writeKeyDir(a.out, circuit, {
      force: a.force,
      onProgress: (done, total, phase) => {
        const pct = Math.floor((100 * done) / total);
        if (pct !== last && (pct % 10 === 0 || done === total)) process.stderr.write(`keygen ${pct}% (${phase})\n`);
        last = pct;
      },
    });
    console.log(
      `keys for ${manifest.parameters} written to ${a.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
        `(${manifest.files.clientKey}: SECRET, keep it; ${manifest.files.seededEvaluationKeys}: send to the server)`,
    );
  },
};
