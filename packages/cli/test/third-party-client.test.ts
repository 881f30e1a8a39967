import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
// The third-party client of docs/http-api.md, run exactly as written there (the code block between
// the third-party-client markers, saved as client.mjs next to node-tfhe and nothing of fhenet)
// against a real `fhenet serve` on loopback: its decrypted integers and classes equal the clear
// simulation. Served a circuit whose noise was weakened, it refuses before making a key (issue 16,
// findings 3 and the "Done when": a third-party node-tfhe client that checks the parameters
// refuses a circuit with weakened noise). Its copy of the security rule gives @fhenet/params'
// verdict on a grid. fhenet's own key paths refuse the weakened circuits too (finding 3).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmax, decodeOutputs, loadCircuit, quantizeInputs, simulate } from '@fhenet/circuit';
import { loadMnist } from '@fhenet/datasets';
import { checkParameters } from '@fhenet/params';
import { fhenet } from './run-cli.js';

const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const DOC = fileURLToPath(new URL('../../../docs/http-api.md', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fhenet-third-party-'));
const at = (name: string) => join(dir, name);
const servers: ChildProcess[] = [];

/** The doc's client, verbatim: the ```js block between the markers. */
function docClient(): string {
  const doc = readFileSync(DOC, 'utf8');
  const m = /<!-- third-party-client:start -->\n```js\n([\s\S]*?)```\n<!-- third-party-client:end -->/.exec(doc);
  if (!m) throw new Error(`${DOC}: no third-party client block between the markers`);
  return m[1]!;
}

/** `fhenet serve` in its own process on a free port; resolves with its URL. */
function serve(circuit: string): Promise<{ url: string; log: () => string }> {
  const p = spawn(process.execPath, [CLI, 'serve', '--circuit', circuit, '--port', '0', '--no-web', '--max-samples', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(p);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /serving circuit .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, log: () => out });
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', onData);
    p.once('exit', (code) => reject(new Error(`fhenet serve exited (${code}) before listening:\n${out}`)));
  });
}

/** Runs `node client.mjs <url> samples.json`. */
function runClient(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [at('client.mjs'), url, at('samples.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const circuit = loadCircuit(TINY_MNIST_CIRCUIT);
const image = loadMnist({ split: 'test', limit: 1 }).images;

/** The fixture with weakened key noise (its figures stay readable: less noise only lowers p_fail). */
function weakened(name: string, lweNoise: object): string {
  const j = JSON.parse(readFileSync(TINY_MNIST_CIRCUIT, 'utf8'));
  j.parameters.set.lweNoise = lweNoise;
  const path = at(name);
  writeFileSync(path, JSON.stringify(j));
  return path;
}

beforeAll(() => {
  writeFileSync(at('client.mjs'), docClient());
  // Next to node-tfhe only: what `npm install node-tfhe@1.7.0` gives a third party.
  const nodeTfhe = dirname(createRequire(import.meta.url).resolve('node-tfhe/package.json'));
  mkdirSync(at('node_modules'));
  symlinkSync(nodeTfhe, at('node_modules/node-tfhe'));
  writeFileSync(at('samples.json'), JSON.stringify([Array.from(image)]));
});
afterAll(() => {
  for (const p of servers) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('the node-tfhe client of docs/http-api.md, as written', () => {
  it('imports nothing of fhenet', () => {
    expect(docClient()).not.toMatch(/from '@fhenet|require\('@fhenet|import\('@fhenet/);
    expect(docClient()).toMatch(/from 'node-tfhe'/);
  });

  it('its copy of the security rule gives the verdict of @fhenet/params on a grid', async () => {
    const mod = (await import(pathToFileURL(at('client.mjs')).href)) as { checkParameters: (p: unknown) => string[] };
    let cases = 0;
    for (const n of [400, 449, 450, 600, 630, 742, 747, 839, 918, 958, 1024, 2048]) {
      for (const N of [256, 512, 1024, 2048]) {
        for (const k of [1, 2]) {
          const noises = [
            ...[0, 3, 10, 17, 30, 41, 44, 45, 46, 53, 54, 62].map((boundLog2) => ({ kind: 'tuniform', boundLog2 })),
            ...[1, 10, 20, 40, 44.16, 48.06, 50.5, 58].map((s) => ({ kind: 'gaussian', stdDev: 2 ** (s - 64) })),
          ];
          for (const lweNoise of noises) {
            for (const glweNoise of [noises[0]!, noises[11]!, noises[19]!]) {
              const p = { lweDimension: n, glweDimension: k, polynomialSize: N, lweNoise, glweNoise };
              expect(mod.checkParameters(p).length === 0, JSON.stringify(p)).toBe(checkParameters(p).secure);
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });

  it('classifies an MNIST image through a real `fhenet serve`: decrypted integers equal simulate()', async () => {
    const { url, log } = await serve(TINY_MNIST_CIRCUIT);
    const r = await runClient(url);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as { classes: number[]; logits: number[][]; values: number[] };
    const sim = simulate(circuit, quantizeInputs(circuit, image, 1), 1).outputs;
    expect(answer.values).toEqual(Array.from(sim));
    expect(answer.logits[0]).toEqual(Array.from(decodeOutputs(circuit, sim, 1)));
    expect(answer.classes).toEqual(Array.from(argmax(decodeOutputs(circuit, sim, 1), 1)));
    // The client deleted its key set; the server's log names no key id and no token.
    const health = (await (await fetch(`${url}/v1/health`)).json()) as { keys: number };
    expect(health.keys).toBe(0);
    expect(log()).toMatch(/tfhe-rs compressed server key registered/);
    expect(log()).toMatch(/\/v1\/tfhe-rs\/keys\/<id>\/infer/);
    expect(log()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  }, 900_000);

  it('refuses a circuit with weakened noise before making any key', async () => {
    const { url, log } = await serve(weakened('weak.json', { kind: 'tuniform', boundLog2: 30 }));
    const r = await runClient(url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /refusing the server's parameters \(not 128-bit secure\): LWE key \(n = 958\): sigma 2\^29\.\d+ is below 2\^42\.\d+ \(128-bit curve\)/,
    );
    expect(((await (await fetch(`${url}/v1/health`)).json()) as { keys: number }).keys).toBe(0);
    expect(log()).not.toMatch(/registered/);
  }, 120_000);
});

describe('fhenet key paths on weakened parameters (issue 16, finding 3)', () => {
  it('`fhenet keygen --client node-tfhe` on a circuit with zero noise makes no key', async () => {
    const zero = weakened('zero.json', { kind: 'tuniform', boundLog2: 0 });
    await expect(fhenet('keygen', '--client', 'node-tfhe', '--circuit', zero, '--out', at('zero-keys'))).rejects.toThrow(
      /is not 128-bit secure: LWE key \(dimension 958, noise TU\(0\)/,
    );
    await expect(fhenet('keygen', '--circuit', zero, '--out', at('zero-keys-engine'))).rejects.toThrow(/128|secur/i);
    expect(() => readFileSync(at('zero-keys/keys.json'))).toThrow();
  });
});
