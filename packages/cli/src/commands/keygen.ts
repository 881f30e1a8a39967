// `fhenet keygen --circuit c.json --out dir`: client key + seeded evaluation keys for the circuit's
// parameter set (docs/client-files.md). Logic in @fhenet/runtime.
import type { CommandModule } from 'yargs';

interface KeygenArgs {
  circuit: string;
  out: string;
}

export const keygenCommand: CommandModule<object, KeygenArgs> = {
  command: 'keygen',
  describe: 'Generate a client key and seeded evaluation keys for a circuit',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file (fhenet compile)' })
      .option('out', { type: 'string', default: 'keys', describe: 'Key folder to write' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/compiler');
    const { writeKeyDir } = await import('@fhenet/runtime');
    const circuit = loadCircuit(a.circuit);
    const t0 = performance.now();
    let last = -1;
    const { manifest } = await writeKeyDir(a.out, circuit, (done, total, phase) => {
      const pct = Math.floor((100 * done) / total);
      if (pct !== last && (pct % 10 === 0 || done === total)) process.stderr.write(`keygen ${pct}% (${phase})\n`);
      last = pct;
    });
    console.log(`keys for ${manifest.parameters} written to ${a.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
      `(${manifest.files.clientKey}: SECRET, keep it; ${manifest.files.seededEvaluationKeys}: send to the server)`);
  },
};
