// Test processes of a fleet on loopback: a Debian redis-server of our own on a free port in a temp
// folder (no persistence), and `fhenet worker` processes from the built CLI (the test command
// builds it first). Everything started here is stopped by the caller's afterAll.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const CLI = join(ROOT, 'packages/cli/dist/main.js');

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM) and starts it again on the same port and folder (its data survives with `persist`). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  stop(): Promise<void>;
}

/** `persist`: append-only file, so that a restart keeps the queues (as a production Redis should). */
export async function startRedis(persist = false): Promise<TestRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: run scripts/ensure-redis.sh (Debian package redis-server); the fleet tests need it');
  }
  const dir = mkdtempSync(join(tmpdir(), 'fhenet-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', persist ? 'yes' : 'no', '--dir', dir];
  const launch = async (): Promise<ChildProcess> => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      if (
        spawnSync('redis-cli', ['-p', String(port), 'ping'])
          .stdout?.toString()
          .trim() === 'PONG'
      )
        return proc;
      if (i > 100 || proc.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const halt = async (proc: ChildProcess) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  let proc = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart: async () => {
      await halt(proc);
      proc = await launch();
    },
    stop: async () => {
      await halt(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestWorker {
  readonly name: string;
  readonly proc: ChildProcess;
  /** What it printed so far. */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `fhenet worker` with one engine thread; resolves once it is ready. */
export async function startWorker(url: string, name: string, extra: string[] = []): Promise<TestWorker> {
  const proc = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--threads', '1', '--name', name, '--lock-seconds', '4', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const worker: TestWorker = {
    name,
    proc,
    log: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    },
  };
  for (let i = 0; !out.includes('ready on'); i++) {
    if (proc.exitCode !== null || i > 600) throw new Error(`worker ${name} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return worker;
}
