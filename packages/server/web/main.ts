// The page: fetches what the server publishes (circuit info, the circuit for the clear
// evaluation, a few MNIST test images), has the key worker make or load tfhe-rs keys, registers
// the compressed server key, then for the drawn or picked digit: clear prediction (simulate, in
// the page) next to the encrypted one (worker encrypts -> POST -> worker decrypts), with timings.
// Sends only the compressed server key and ciphertexts (docs/browser-client.md).
import { argmax, circuitFromJson, decodeOutputs, isApproximate, quantizeInputs, simulate, type Circuit } from '@fhenet/circuit';
import type { KeyRegistration, ServiceCircuitInfo, WebSample } from '@fhenet/client';
import type { FromWorker, KeyPhase, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: no #${id}`);
  return el as T;
};

const PHASES: Record<KeyPhase, string> = {
  'loading-tfhe': 'loading the tfhe wasm module',
  'cache-lookup': 'looking for keys cached in this browser',
  'client-key': 'generating the client (secret) key',
  'server-key': 'generating the compressed server key (one long wasm call)',
  caching: 'storing the keys in IndexedDB',
};

async function json<T>(path: string): Promise<T> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
/** The registered key set: its id and the bearer token every request on it carries (docs/http-api.md). */
interface RegisteredKey {
  readonly keyId: string;
  readonly token: string;
}
const bearer = (k: RegisteredKey): Record<string, string> => ({ authorization: `Bearer ${k.token}` });

async function postBytes(path: string, body: Uint8Array, key?: RegisteredKey): Promise<Response> {
  const r = await fetch(path, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream', ...(key ? bearer(key) : {}) } });
  if (!r.ok) {
    let message = await r.text();
    try {
      message = (JSON.parse(message) as { message: string }).message;
    } catch {
      // not JSON
    }
    const e = new Error(`POST ${path}: HTTP ${r.status}: ${message}`) as Error & { status: number };
    e.status = r.status;
    throw e;
  }
  return r;
}
const fmtMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const fmtBytes = (n: number): string => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function fail(e: unknown): void {
  $('error').textContent = (e as Error).message ?? String(e);
  $('result').dataset.state = 'error';
  console.error(e);
}

// ---- worker: one request at a time per kind, answered by id ----
const worker = new Worker('/app/worker.js', { type: 'module' });
let nextId = 1;
const pending = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
let onKeys: ((m: FromWorker) => void) | null = null;
// tfhe reports no progress inside its key generation call: the status line shows the phase and
// the seconds spent in it, the bar stays indeterminate until the keys are registered.
let phaseText = '';
let phaseStarted = 0;
worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'phase') {
    phaseText = PHASES[m.phase];
    phaseStarted = performance.now();
    $('key-status').textContent = `${phaseText}…`;
    $('key-status').dataset.state = m.phase;
  } else if ('id' in m && m.id !== undefined) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.type === 'error') p?.reject(new Error(m.message));
    else p?.resolve(m);
  } else if (m.type === 'keys' || (m.type === 'error' && onKeys)) {
    onKeys?.(m);
    onKeys = null;
  } else if (m.type === 'error') fail(new Error(`key worker: ${m.message}`));
};
worker.onerror = (e) => fail(new Error(`key worker failed: ${e.message}`));
function ask(m: ToWorker & { id: number }, transfer: Transferable[] = []): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    pending.set(m.id, { resolve, reject });
    worker.postMessage(m, transfer);
  });
}

// ---- drawing pad: white strokes on black, read back as a 28x28 MNIST-like image ----
const pad = $<HTMLCanvasElement>('pad');
const g = pad.getContext('2d', { willReadFrequently: true })!;
let picked: { index: number; pixels: Uint8Array } | null = null;
function clearPad(): void {
  g.fillStyle = '#000';
  g.fillRect(0, 0, pad.width, pad.height);
  picked = null;
  document.querySelectorAll('#samples button').forEach((b) => {
    b.classList.remove('selected');
  });
}
clearPad();
let drawing = false;
pad.addEventListener('pointerdown', (e) => {
  if (picked) clearPad();
  drawing = true;
  g.strokeStyle = '#fff';
  g.lineWidth = 22;
  g.lineCap = g.lineJoin = 'round';
  g.beginPath();
  g.moveTo(e.offsetX, e.offsetY);
  pad.setPointerCapture(e.pointerId);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  g.lineTo(e.offsetX, e.offsetY);
  g.stroke();
});
pad.addEventListener('pointerup', () => (drawing = false));
$('clear').addEventListener('click', clearPad);

/** The drawing as MNIST preprocesses digits: bounding box scaled to 20 px, centre of mass at (14, 14). */
function drawnPixels(): Uint8Array {
  const src = g.getImageData(0, 0, pad.width, pad.height).data;
  let x0 = pad.width,
    y0 = pad.height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < pad.height; y++)
    for (let x = 0; x < pad.width; x++)
      if (src[(y * pad.width + x) * 4]! > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) throw new Error('draw a digit first (or pick a test image)');
  const w = x1 - x0 + 1,
    h = y1 - y0 + 1,
    s = 20 / Math.max(w, h);
  const small = new OffscreenCanvas(28, 28);
  const sg = small.getContext('2d', { willReadFrequently: true })!;
  const draw = (dx: number, dy: number) => {
    sg.fillStyle = '#000';
    sg.fillRect(0, 0, 28, 28);
    sg.imageSmoothingQuality = 'high';
    sg.drawImage(pad, x0, y0, w, h, dx, dy, w * s, h * s);
    const d = sg.getImageData(0, 0, 28, 28).data;
    return Uint8Array.from({ length: 784 }, (_, i) => d[i * 4]!);
  };
  let px = draw((28 - w * s) / 2, (28 - h * s) / 2);
  let m = 0,
    cx = 0,
    cy = 0;
  px.forEach((v, i) => {
    m += v;
    cx += v * (i % 28);
    cy += v * Math.floor(i / 28);
  });
  px = draw((28 - w * s) / 2 + Math.round(14 - cx / m), (28 - h * s) / 2 + Math.round(14 - cy / m));
  return px;
}

function showPixels(c: HTMLCanvasElement | OffscreenCanvas, pixels: Uint8Array): void {
  const img = new ImageData(28, 28);
  pixels.forEach((v, i) => {
    img.data.set([v, v, v, 255], i * 4);
  });
  const tmp = new OffscreenCanvas(28, 28);
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  const cg = c.getContext('2d') as CanvasRenderingContext2D;
  cg.imageSmoothingEnabled = false;
  cg.drawImage(tmp, 0, 0, c.width, c.height);
}

// ---- timings table ----
const timings = new Map<string, string>();
function timing(name: string, value: string): void {
  timings.set(name, value);
  const body = $('timings').querySelector('tbody')!;
  body.replaceChildren(
    ...[...timings].map(([k, v]) => {
      const tr = document.createElement('tr');
      tr.dataset.timing = k;
      tr.append(Object.assign(document.createElement('td'), { textContent: k }), Object.assign(document.createElement('td'), { textContent: v }));
      return tr;
    }),
  );
}

// ---- start ----
let circuit: Circuit;
let info: ServiceCircuitInfo;
let key: RegisteredKey | null = null;
let serverKey: Uint8Array | null = null;
let cacheKey = '';
let circuitFromJsonSource: unknown; // the circuit JSON as served, handed to the worker
const sent: string[] = [];

async function register(): Promise<void> {
  const t = performance.now();
  const r = await postBytes('/v1/tfhe-rs/keys', serverKey!);
  const { keyId, token } = (await r.json()) as KeyRegistration;
  key = { keyId, token };
  sent.push(`compressed server key ${fmtBytes(serverKey!.length)}`);
  timing('server key upload + expansion', fmtMs(performance.now() - t));
}

async function makeKeys(): Promise<void> {
  $('classify').setAttribute('disabled', '');
  const started = performance.now();
  const p = $<HTMLProgressElement>('key-progress');
  p.removeAttribute('value'); // indeterminate
  const tick = setInterval(() => {
    if ($('key-status').dataset.state === 'ready') return;
    $('key-status').textContent =
      `${phaseText}… ${((performance.now() - phaseStarted) / 1000).toFixed(0)} s (${((performance.now() - started) / 1000).toFixed(0)} s in all)`;
  }, 1000);
  const circuitJson = JSON.stringify(circuitFromJsonSource);
  const m = await new Promise<FromWorker>((resolve) => {
    onKeys = resolve; // the worker's keys, or its error
    const tfheUrl = new URL('/app/tfhe/tfhe.js', location.href).href;
    worker.postMessage({ type: 'keys', circuitJson, cacheKey, tfheUrl } satisfies ToWorker);
  });
  if (m.type !== 'keys') {
    clearInterval(tick);
    throw new Error(`key worker: ${m.type === 'error' ? m.message : `unexpected answer ${m.type}`}`);
  }
  serverKey = m.serverKey;
  timing('client key generation', `${fmtMs(m.clientKeyMs)}${m.cached ? ' (cached)' : ''}`);
  timing('server key generation', `${fmtMs(m.serverKeyMs)}${m.cached ? ' (cached)' : ''}`);
  phaseText = `uploading the compressed server key (${fmtBytes(serverKey.length)}); the server expands it`;
  phaseStarted = performance.now();
  try {
    await register();
  } finally {
    clearInterval(tick);
  }
  p.max = 1;
  p.value = 1;
  $('key-status').textContent = `${m.cached ? 'keys loaded from this browser' : `keys made in ${fmtMs(m.clientKeyMs + m.serverKeyMs)}`}; server key registered`;
  $('key-status').dataset.state = 'ready';
  $('classify').removeAttribute('disabled');
  $('forget').removeAttribute('disabled');
  document.body.dataset.ready = 'true';
}

async function classify(): Promise<void> {
  $('error').textContent = '';
  const result = $('result');
  result.dataset.state = 'running';
  $('encrypted-class').textContent = '…';
  $('clear-class').textContent = '…';
  $('agreement').textContent = '';
  const raw = picked ? picked.pixels : drawnPixels();
  if (!picked) showPixels(pad, raw);
  result.dataset.sample = picked ? String(picked.index) : 'drawn';

  // Clear: the circuit evaluated on integers in the page (what the server computes, unencrypted).
  let t = performance.now();
  const sim = simulate(circuit, quantizeInputs(circuit, raw, 1), 1).outputs;
  const clearClass = argmax(decodeOutputs(circuit, sim, 1), 1)[0]!;
  timing('clear evaluation (page)', fmtMs(performance.now() - t));
  $('clear-class').textContent = String(clearClass);

  // Encrypted.
  const enc = (await ask({ type: 'encrypt', id: nextId++, raw: raw.slice() })) as Extract<FromWorker, { type: 'encrypted' }>;
  timing('encrypt (784 pixels)', fmtMs(enc.ms));
  t = performance.now();
  const infer = () => postBytes(`/v1/tfhe-rs/keys/${encodeURIComponent(key!.keyId)}/infer`, enc.ciphertexts, key!);
  let r: Response;
  try {
    r = await infer();
  } catch (e) {
    if ((e as { status?: number }).status !== 404) throw e;
    await register(); // the server restarted, or evicted the idle key: register it again
    r = await infer();
  }
  const outputs = new Uint8Array(await r.arrayBuffer());
  sent.push(`ciphertexts ${fmtBytes(enc.ciphertexts.length)}`);
  timing('server (round trip)', fmtMs(performance.now() - t));
  timing('server compute', fmtMs(Number(r.headers.get('x-fhenet-inference-ms'))));
  const dec = (await ask({ type: 'decrypt', id: nextId++, outputs }, [outputs.buffer])) as Extract<FromWorker, { type: 'decrypted' }>;
  timing('decrypt', fmtMs(dec.ms));
  $('encrypted-class').textContent = String(dec.cls);
  const same = Array.from(dec.values).every((v, i) => v === sim[i]);
  $('agreement').textContent = same
    ? 'decrypted outputs equal the clear evaluation, integer for integer'
    : circuit.stages.some(isApproximate)
      ? 'decrypted outputs differ from the clear evaluation (approximate rounding: a value near a bucket edge landed one bucket off)'
      : 'decrypted outputs differ from the clear evaluation (a PBS failed)';
  result.dataset.encrypted = String(dec.cls);
  result.dataset.clear = String(clearClass);
  result.dataset.state = 'done';
  $('sent').textContent = `sent to the server so far: ${sent.join(', ')}`;
}

async function start(): Promise<void> {
  const [i, c, samples, tfhePkg] = await Promise.all([
    json<ServiceCircuitInfo>('/v1/circuit'),
    json<unknown>('/app/circuit.json'),
    json<WebSample[]>('/app/samples.json'),
    json<{ version: string }>('/app/tfhe/package.json'),
  ]);
  info = i;
  circuitFromJsonSource = c;
  circuit = circuitFromJson(c, 'GET /app/circuit.json');
  if (!info.tfheRs.available) throw new Error(`this circuit cannot be used from a browser: ${info.tfheRs.reason}`);
  $('circuit').textContent =
    `circuit "${info.name}": ${info.bits}-bit tables, ${info.pbsPerSample} PBS per image, parameters ${info.parameters.name}; tfhe ${tfhePkg.version}`;
  cacheKey = `${info.parameters.fingerprint}/tfhe@${tfhePkg.version}`;
  const box = $('samples');
  for (const s of samples) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.index = String(s.index);
    b.title = `MNIST test image ${s.index} (label ${s.label})`;
    const c28 = Object.assign(document.createElement('canvas'), { width: 28, height: 28 });
    showPixels(c28, Uint8Array.from(s.pixels));
    b.append(c28);
    b.addEventListener('click', () => {
      clearPad();
      picked = { index: s.index, pixels: Uint8Array.from(s.pixels) };
      b.classList.add('selected');
      showPixels(pad, picked.pixels);
    });
    box.append(b);
  }
  $('classify').addEventListener('click', () => void classify().catch(fail));
  $('forget').addEventListener('click', () => {
    worker.postMessage({ type: 'forget', cacheKey } satisfies ToWorker);
    forgetOnServer(false);
    document.body.dataset.ready = 'false';
    void makeKeys().catch(fail);
  });
  await makeKeys();
}

/** Frees the server's key slot (the key stays cached here for the next visit). */
function forgetOnServer(keepalive: boolean): void {
  if (key) void fetch(`/v1/tfhe-rs/keys/${encodeURIComponent(key.keyId)}`, { method: 'DELETE', headers: bearer(key), keepalive });
  key = null;
}
addEventListener('pagehide', () => forgetOnServer(true));

start().catch(fail);
