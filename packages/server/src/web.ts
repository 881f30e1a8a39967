// The browser client (docs/browser-client.md), served by the inference service when enabled:
// the page and its two bundles (packages/server/web, bundled with esbuild in memory on first
// start), the `tfhe` package's web build (tfhe.js, tfhe_bg.wasm, its worker snippets), the
// circuit (the page evaluates it in the clear next to the encrypted answer) and a handful of
// public MNIST test images. Every /app response carries a Content-Security-Policy that lets the
// page talk only to this origin, so the page cannot send its key anywhere else.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { circuitToJson, type Circuit } from '@fhenet/circuit';
import { HttpError } from './errors.js';
import type { WebSample } from '@fhenet/client';

export type { WebSample } from '@fhenet/client';

export interface WebOptions {
  /** Images the page offers to classify; raw values, not quantized. */
  readonly samples?: readonly WebSample[];
}

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url)); // from src/ and dist/
const require = createRequire(import.meta.url);

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'", // wasm compilation, nothing else evaluated
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
};
const typeOf = (name: string): string => TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';

/**
 * main.js and worker.js, bundled from web/*.ts. The page imports @fhenet/circuit and @fhenet/client
 * by name; their package.json "browser" condition gives the bundler their browser-safe entries
 * (no Node built-ins, no native engine), so no alias or shim is needed. A Node built-in reaching
 * the bundle is a bug, reported as such.
 */
async function bundle(): Promise<Map<string, string>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { main: join(WEB_DIR, 'main.ts'), worker: join(WEB_DIR, 'worker.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/app',
    logLevel: 'silent',
    plugins: [
      {
        name: 'no-node-builtins',
        setup(b) {
          b.onResolve({ filter: /^node:/ }, (a) => ({ errors: [{ text: `${a.path} imported by ${a.importer}: the page cannot use Node built-ins` }] }));
        },
      },
    ],
  });
  return new Map(result.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.text]));
}

export function registerWebRoutes(app: FastifyInstance, circuit: Circuit, options: WebOptions): void {
  let bundled: Promise<Map<string, string>> | null = null;
  const bundles = (): Promise<Map<string, string>> => {
    bundled ??= bundle().catch((e: Error) => {
      bundled = null; // a later request retries
      throw new HttpError(500, 'web-bundle-failed', `bundling the page failed: ${e.message}`);
    });
    return bundled;
  };
  void bundles().catch(() => {}); // start now; a failure is reported to the request that needs it
  const tfheDir = dirname(require.resolve('tfhe/tfhe.js'));
  const fileCache = new Map<string, Promise<Buffer>>();
  const circuitJson = JSON.stringify(circuitToJson(circuit));
  const samplesJson = JSON.stringify(options.samples ?? []);

  const send = (reply: FastifyReply, name: string, body: string | Buffer) =>
    reply
      .type(typeOf(name))
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(body);

  const page = async (_req: unknown, reply: FastifyReply) => send(reply, 'index.html', await readFile(join(WEB_DIR, 'index.html')));
  app.get('/', page);
  app.get('/app/', page);
  app.get('/app/style.css', async (_req, reply) => send(reply, 'style.css', await readFile(join(WEB_DIR, 'style.css'))));
  app.get<{ Params: { name: string } }>('/app/:name', async (req, reply) => {
    const name = req.params.name;
    if (name === 'circuit.json') return send(reply, name, circuitJson);
    if (name === 'samples.json') return send(reply, name, samplesJson);
    const code = (await bundles()).get(name);
    if (code === undefined) throw new HttpError(404, 'not-found', `no page file /app/${name}`);
    return send(reply, name, code);
  });
  // The tfhe package's own files, only those its web build loads (no directory listing, no "..").
  app.get<{ Params: { '*': string } }>('/app/tfhe/*', async (req, reply) => {
    const rel = normalize(req.params['*']);
    const allowed = rel === 'tfhe.js' || rel === 'tfhe_bg.wasm' || rel === 'package.json' || (rel.startsWith(`snippets${sep}`) && rel.endsWith('.js'));
    if (!allowed || rel.split(sep).includes('..')) throw new HttpError(404, 'not-found', `no tfhe package file ${req.params['*']}`);
    let file = fileCache.get(rel);
    if (!file) {
      file = readFile(join(tfheDir, rel));
      fileCache.set(rel, file);
      file.catch(() => fileCache.delete(rel));
    }
    try {
      return send(reply, rel, await file);
    } catch {
      throw new HttpError(404, 'not-found', `no tfhe package file ${req.params['*']}`);
    }
  });
}
