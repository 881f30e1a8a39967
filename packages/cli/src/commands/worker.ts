// `fhenet worker --redis URL [--concurrency N] [--max-memory M] [--threads T]`: a fleet worker
// (docs/deployment.md). Holds the engine, takes shard lookups and sweep points from the queue,
// keeps evaluation keys expanded within its memory budget; runs until SIGINT / SIGTERM, then
// finishes its running jobs and leaves.
import type { CommandModule } from 'yargs';

interface WorkerArgs {
  redis: string;
  prefix: string;
  concurrency: number;
  'max-memory'?: string;
  threads?: number;
  sweeps: boolean;
  name?: string;
  'lock-seconds': number;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Join a Redis-backed worker fleet: run shard lookups of encrypted inferences and sweep points (docs/deployment.md)',
  builder: (y) =>
    y
      .option('redis', { type: 'string', demandOption: true, describe: "The fleet's Redis, e.g. redis://10.0.0.5:6379" })
      .option('prefix', { type: 'string', default: 'fhenet', describe: 'Prefix of the queues and keys (one per fleet sharing a Redis)' })
      .option('concurrency', { type: 'number', default: 1, describe: 'Lookup jobs at once (one job already uses every engine thread)' })
      .option('max-memory', {
        type: 'string',
        describe: 'Memory this worker may use, e.g. 8G (default 80% of the machine); expanded keys are cached within it',
      })
      .option('threads', { type: 'number', describe: 'Engine threads (default: every core)' })
      .option('sweeps', { type: 'boolean', default: true, describe: 'Also take sweep points (train + compile); --no-sweeps for lookups only' })
      .option('name', { type: 'string', describe: 'Worker name in /v1/health and logs (default host-pid)' })
      .option('lock-seconds', {
        type: 'number',
        default: 15,
        describe: 'A job whose worker stops renewing its lock this long (crash, SIGKILL, lost network) is given to another worker',
      }),
  handler: async (a) => {
    const { startWorker } = await import('@fhenet/fleet');
    const { parseByteSize } = await import('@fhenet/executor');
    if (a.threads !== undefined) {
      if (!(Number.isInteger(a.threads) && a.threads >= 1)) throw new Error(`--threads: expected an integer >= 1, got ${a.threads}`);
      const { setThreadCount } = await import('@fhenet/engine');
      setThreadCount(a.threads);
    }
    const log = (l: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${l}`);
    const worker = await startWorker({
      url: a.redis,
      prefix: a.prefix,
      concurrency: a.concurrency,
      ...(a['max-memory'] ? { maxMemoryBytes: parseByteSize(a['max-memory']) } : {}),
      sweeps: a.sweeps,
      lockSeconds: a['lock-seconds'],
      ...(a.name ? { name: a.name } : {}),
      log,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log(`worker ${worker.id}: ${signal}, finishing running jobs (a second signal stops at once; the queue re-runs what was cut)`);
        for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(1));
        resolve();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    await worker.close();
    // Whatever BullMQ or a sandboxed sweep child still holds (a dead Redis), the worker is done.
    process.exit(process.exitCode ?? 0);
  },
};
