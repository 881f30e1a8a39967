// `fhenet serve --circuit c.json --port 8080`: the HTTP inference service (docs/http-api.md) and,
// for MNIST-shaped circuits, the browser client at / (docs/browser-client.md).
import type { CommandModule } from 'yargs';
import { DEFAULT_LIMITS as L } from '@fhenet/server/limits';

interface ServeArgs {
  circuit: string;
  port: number;
  host: string;
  queue: number;
  'max-keys': number;
  'max-samples': number;
  'key-idle': number;
  web: boolean;
  'web-samples': number;
  'max-memory'?: string;
  'band-outputs'?: number;
  'spill-dir'?: string;
  redis?: string;
  'fleet-prefix': string;
  'max-keys-per-client'?: number;
  'max-connections': number;
  'max-connections-per-client': number;
  'rate-limit': number;
  'key-rate-limit': number;
  'min-body-rate': string;
  'headers-timeout': number;
  'request-timeout': number;
  'trust-proxy': boolean;
}

/** The page draws and shows 28x28 grey images; other input shapes get the HTTP API only. */
const isMnistShape = (shape: readonly number[]): boolean => shape.length === 3 && shape[0] === 28 && shape[1] === 28 && shape[2] === 1;

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
      .option('max-samples', { type: 'number', default: 16, describe: 'Samples per inference request' })
      .option('key-idle', { type: 'number', default: 600, describe: 'Seconds unused after which a key set may be evicted when the key store is full' })
      .option('max-memory', {
        type: 'string',
        describe: 'Memory the service may use, e.g. 20G (default 80% of the machine); key registrations that would exceed it get 503',
      })
      .option('band-outputs', {
        type: 'number',
        describe: 'Run padded stages in bands of N output ciphertexts (default: whole stages when they fit in --max-memory, else the largest band that fits)',
      })
      .option('spill-dir', {
        type: 'string',
        describe: 'Folder for the stage outputs of banded inferences (default: the temporary folder, used only when in-memory bands do not fit)',
      })
      .option('redis', {
        type: 'string',
        describe:
          'Run the lookups on a worker fleet through this Redis (fhenet worker --redis URL; docs/deployment.md): keys are published to the workers, not expanded here',
      })
      .option('fleet-prefix', { type: 'string', default: 'fhenet', describe: "The fleet's queue and key prefix (with --redis)" })
      // Limits against hostile clients (docs/security.md); defaults from @fhenet/server DEFAULT_LIMITS.
      .option('max-keys-per-client', { type: 'number', describe: 'Key sets one client address may hold (default: half of --max-keys, at least 1)' })
      .option('max-connections', { type: 'number', default: L.maxConnections, describe: 'Open connections in all' })
      .option('max-connections-per-client', { type: 'number', default: L.maxConnectionsPerClient, describe: 'Open connections from one address' })
      .option('rate-limit', { type: 'number', default: L.requestsPerMinute, describe: 'Requests per minute from one address' })
      .option('key-rate-limit', { type: 'number', default: L.registrationsPerMinute, describe: 'Key registrations per minute from one address' })
      .option('min-body-rate', {
        type: 'string',
        default: `${L.minBodyBytesPerSecond / 1024}K`,
        describe: `Slowest accepted upload, bytes per second (after a ${L.bodyGraceSeconds} s grace); slower: 408`,
      })
      .option('headers-timeout', { type: 'number', default: L.headersTimeoutSeconds, describe: 'Seconds to receive request headers' })
      .option('request-timeout', { type: 'number', default: L.requestTimeoutSeconds, describe: 'Seconds to receive a whole request (not its computation)' })
      .option('trust-proxy', {
        type: 'boolean',
        default: false,
        describe: 'Behind a reverse proxy: per-client limits use X-Forwarded-For (never enable when clients reach the service directly)',
      })
      .option('web', {
        type: 'boolean',
        default: true,
        describe: 'Serve the browser client at / (publishes the circuit at /app/circuit.json for its clear evaluation; --no-web keeps it private)',
      })
      .option('web-samples', { type: 'number', default: 10, describe: 'MNIST test images the page offers' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/circuit');
    const { createInferenceService } = await import('@fhenet/server');
    const { parseByteSize } = await import('@fhenet/executor');
    const circuit = loadCircuit(a.circuit);
    let web: import('@fhenet/server').WebOptions | undefined;
    if (a.web && !isMnistShape(circuit.inputShape)) {
      console.error(`no browser client: the page handles 28x28x1 (MNIST) inputs, this circuit takes ${circuit.inputShape.join('x')}`);
    } else if (a.web) {
      const { loadMnist } = await import('@fhenet/datasets');
      let samples: import('@fhenet/client').WebSample[] = [];
      try {
        const t = loadMnist({ split: 'test', limit: a['web-samples'] });
        samples = Array.from(t.labels, (label, i) => ({ index: i, label, pixels: Array.from(t.images.subarray(i * 784, (i + 1) * 784)) }));
      } catch (e) {
        console.error(`browser client without test images (drawing only): ${(e as Error).message}`);
      }
      web = { samples };
    }
    const fleet = a.redis
      ? await (await import('@fhenet/fleet')).Fleet.connect({ url: a.redis, prefix: a['fleet-prefix'], log: (l: string) => console.error(l) })
      : null;
    const app = createInferenceService(circuit, {
      ...(fleet ? { fleet } : {}),
      queueCapacity: a.queue,
      maxKeys: a['max-keys'],
      maxSamplesPerRequest: a['max-samples'],
      keyIdleSeconds: a['key-idle'],
      limits: {
        maxConnections: a['max-connections'],
        maxConnectionsPerClient: a['max-connections-per-client'],
        requestsPerMinute: a['rate-limit'],
        registrationsPerMinute: a['key-rate-limit'],
        minBodyBytesPerSecond: parseByteSize(a['min-body-rate']),
        headersTimeoutSeconds: a['headers-timeout'],
        requestTimeoutSeconds: a['request-timeout'],
        ...(a['max-keys-per-client'] !== undefined ? { maxKeysPerClient: a['max-keys-per-client'] } : {}),
      },
      trustProxy: a['trust-proxy'],
      ...(a['max-memory'] ? { maxMemoryBytes: parseByteSize(a['max-memory']) } : {}),
      ...(a['band-outputs'] !== undefined ? { bandOutputs: a['band-outputs'] } : {}),
      ...(a['spill-dir'] !== undefined ? { spillDir: a['spill-dir'] } : {}),
      logger: true,
      ...(web ? { web } : {}),
    });
    const address = await app.listen({ port: a.port, host: a.host });
    console.error(`serving circuit "${circuit.name}" (${circuit.parameters?.set.name}) at ${address}${web ? `; browser client at ${address}/` : ''}`);
    const stop = () =>
      void app
        .close()
        .then(() => fleet?.close())
        .then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};
