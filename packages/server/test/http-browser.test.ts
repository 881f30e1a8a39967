// The browser client end to end in Debian's Chromium (headless, driven by playwright-core, which
// never downloads a browser): `createInferenceService` with the page enabled serves the committed
// MNIST circuit on loopback; the page makes tfhe-rs keys with the `tfhe` package (wasm, one
// thread), registers the compressed server key, encrypts a picked MNIST test image, and shows the
// decrypted prediction next to the clear one. The test reads both from the DOM and checks them
// against simulate() here, checks that the server received nothing but page loads, one
// compressed server key of the exact size and one image's ciphertexts, and that a reload finds
// the keys in IndexedDB. FHENET_BROWSER_SCREENSHOT=path saves a screenshot after classifying.
// Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it): without it the
// test FAILS, it does not skip.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { argmax, decodeOutputs, loadCircuit, quantizeInputs, simulate, type Circuit } from '@fhenet/circuit';
import { loadMnist } from '@fhenet/datasets';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createInferenceService } from '@fhenet/server';
import type { ServiceCircuitInfo, WebSample } from '@fhenet/client';
import { exactSibling } from '@fhenet/testing';

const CIRCUIT = fileURLToPath(new URL('../../../models/mnist-fcnn-narrow-150/circuit.json', import.meta.url));
const CHROMIUM = process.env.FHENET_CHROMIUM ?? '/usr/bin/chromium';
const SAMPLES = 8;
const PICK = 3; // MNIST test image 3 (label 0)

let circuit: Circuit;
let app: FastifyInstance;
let browser: Browser | undefined;
let base: string;
const received: { method: string; route: string; bytes: number }[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set FHENET_CHROMIUM`);
  }
  // The published circuit rounds approximately; the page's integer-for-integer check runs on its exact sibling.
  circuit = exactSibling(loadCircuit(CIRCUIT));
  const mnist = loadMnist({ split: 'test', limit: SAMPLES });
  const samples: WebSample[] = Array.from({ length: SAMPLES }, (_, i) => ({
    index: i,
    label: mnist.labels[i]!,
    pixels: Array.from(mnist.images.subarray(i * 784, (i + 1) * 784)),
  }));
  app = createInferenceService(circuit, { web: { samples }, maxKeys: 2 });
  app.addHook('onRequest', async (req) => {
    received.push({ method: req.method, route: req.routeOptions.url ?? `unrouted ${req.url}`, bytes: Number(req.headers['content-length'] ?? 0) });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Waits for `selector`, failing at once with the page's own error text if it shows one. */
async function waitOrPageError(page: Page, selector: string, timeout: number): Promise<void> {
  await page.waitForSelector(`${selector}, #result[data-state="error"]`, { timeout });
  const error = await page.textContent('#error');
  if (error) throw new Error(`the page reports: ${error}`);
}

test('the page classifies an MNIST test image under encryption in Chromium; only the server key and ciphertexts leave it', async () => {
  const page = await browser!.newPage({ viewport: { width: 1150, height: 760 } });
  const log: string[] = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) foreign.push(r.url());
  });
  try {
    let t = performance.now();
    await page.goto(`${base}/`);
    await waitOrPageError(page, 'body[data-ready="true"]', 900_000);
    const keysMs = performance.now() - t;
    const timings = async () =>
      Object.fromEntries(await page.$$eval('#timings tr', (rows) => rows.map((r) => [r.children[0]!.textContent, r.children[1]!.textContent])));
    console.log(`browser: keys made and registered in ${(keysMs / 1000).toFixed(1)} s; page timings ${JSON.stringify(await timings())}`);

    t = performance.now();
    await page.click(`#samples button[data-index="${PICK}"]`);
    await page.click('#classify');
    await waitOrPageError(page, '#result[data-state="done"]', 900_000);
    const encrypted = Number(await page.textContent('#encrypted-class'));
    const clear = Number(await page.textContent('#clear-class'));
    console.log(
      `browser: image ${PICK} classified in ${((performance.now() - t) / 1000).toFixed(1)} s: encrypted ${encrypted}, clear ${clear}; page timings ${JSON.stringify(await timings())}`,
    );

    // The page's answers against the clear simulation computed here.
    const raw = loadMnist({ split: 'test', limit: PICK + 1 }).images.subarray(PICK * 784);
    const sim = simulate(circuit, quantizeInputs(circuit, raw, 1), 1).outputs;
    const expected = argmax(decodeOutputs(circuit, sim, 1), 1)[0]!;
    expect(clear).toBe(expected);
    expect(encrypted).toBe(expected);
    expect(await page.textContent('#agreement')).toMatch(/equal the clear evaluation/);
    if (process.env.FHENET_BROWSER_SCREENSHOT) await page.screenshot({ path: process.env.FHENET_BROWSER_SCREENSHOT, fullPage: true });

    // What the server received: page loads, one compressed server key of exactly the expected
    // size, one image's compressed ciphertexts. Nothing went to another origin.
    const info = (await (await fetch(`${base}/v1/circuit`)).json()) as ServiceCircuitInfo;
    if (!info.tfheRs.available) throw new Error(info.tfheRs.reason);
    const posts = received.filter((r) => r.method !== 'GET');
    expect(posts).toEqual([
      { method: 'POST', route: '/v1/tfhe-rs/keys', bytes: info.tfheRs.serverKeyBytes },
      { method: 'POST', route: '/v1/tfhe-rs/keys/:keyId/infer', bytes: info.inputSize * info.tfheRs.ciphertextBytes.compressed },
    ]);
    const gets = new Set(received.filter((r) => r.method === 'GET').map((r) => r.route));
    for (const route of gets) expect(['/', '/app/style.css', '/app/:name', '/app/tfhe/*', '/v1/circuit']).toContain(route);
    expect(foreign).toEqual([]);

    // A reload finds the keys in IndexedDB: no second key generation.
    t = performance.now();
    await page.reload();
    await waitOrPageError(page, 'body[data-ready="true"]', 300_000);
    expect(await page.textContent('#key-status')).toMatch(/keys loaded from this browser/);
    // Leaving the first page deleted its key on the server; the reload registered the cached one.
    expect(received.filter((r) => r.method === 'DELETE').map((r) => r.route)).toEqual(['/v1/tfhe-rs/keys/:keyId']);
    expect(received.filter((r) => r.method === 'POST').length).toBe(3);
    console.log(`browser: reload with cached keys ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.log(`page log:\n${log.join('\n')}`);
    throw e;
  } finally {
    await page.close();
  }
}, 1_800_000);
