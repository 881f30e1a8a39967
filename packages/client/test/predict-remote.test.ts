// The predict loop's remote session against the HTTP service on loopback: keys made into a key
// folder, registered (the registration's token then carries every request and the DELETE), two
// samples classified equal to the simulation; then the same folder reused (its evaluation keys
// read through their key-set envelope) and the key set deleted at the end (the store is empty).
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { predict } from '@fhenet/client';
import { createInferenceService } from '@fhenet/server';
import { bandedCircuit, bandedInputs } from '@fhenet/testing';

const circuit = bandedCircuit();
const dir = mkdtempSync(join(tmpdir(), 'fhenet-predict-remote-'));
let app: ReturnType<typeof createInferenceService>;
let url: string;

beforeAll(async () => {
  app = createInferenceService(circuit, { maxSamplesPerRequest: 2 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs the loop over HTTP with the token, from fresh and from reused key folders', async () => {
  const keysDir = join(dir, 'keys');
  const lines: string[] = [];
  for (const run of ['fresh', 'reused']) {
    const r = await predict({ circuit, images: bandedInputs(2), count: 2, batchSize: 2, serverUrl: url, keysDir, log: (l) => lines.push(l) });
    expect(r.exact, run).toBe(true);
    const health = (await (await fetch(`${url}/v1/health`)).json()) as { keys: number };
    expect(health.keys, run).toBe(0); // the session deleted its key set with its token
  }
  expect(lines.some((l) => /keys: reusing /.test(l))).toBe(true);
}, 600_000);
