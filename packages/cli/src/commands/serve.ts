// `fhenet serve --circuit c.json --port 8080`: the HTTP inference service (docs/http-api.md).
import type { CommandModule } from 'yargs';

interface ServeArgs {
  circuit: string;
  port: number;
  host: string;
  queue: number;
  'max-keys': number;
  'max-samples': number;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Serve encrypted inference of a circuit over HTTP (evaluation keys only, never a secret key)',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('port', { type: 'number', default: 8080 })
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('queue', { type: 'number', default: 4, describe: 'Jobs allowed to wait behind the running one (then 503)' })
      .option('max-keys', { type: 'number', default: 4, describe: 'Registered key sets kept in memory' })
      .option('max-samples', { type: 'number', default: 16, describe: 'Samples per inference request' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/compiler');
    const { createInferenceService } = await import('@fhenet/runtime');
    const circuit = loadCircuit(a.circuit);
    const app = createInferenceService(circuit, { queueCapacity: a.queue, maxKeys: a['max-keys'], maxSamplesPerRequest: a['max-samples'], logger: true });
    const address = await app.listen({ port: a.port, host: a.host });
    console.error(`serving circuit "${circuit.name}" (${circuit.parameters?.set.name}) at ${address}`);
    const stop = () => void app.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};
