// Reading request bodies, the one way the service does it. Only raw bytes exist: no JSON or text
// parser is registered on any route (a 195 MB JSON array of {} once took a service from 70 MB to
// an out-of-memory death), so a body of another media type is refused (415) before it is read.
// A route that takes a body names its rule; before the first byte is read the service checks, in
// order: the media type (415), a declared Content-Length (411), the route's limit from the circuit
// (413), the route's own admission (key quota, queue: 429 / 503) and the memory account (503).
// The body is then read into one buffer of the declared size, at a guaranteed minimum rate (408).
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, OCTET } from './errors.js';
import type { MemoryAccount, Reservation } from './memory-account.js';

export interface BodyRule {
  /** What the body holds, for messages ("evaluation keys"). */
  readonly what: string;
  /** Largest body accepted (from the circuit's parameters; may depend on the query). */
  limit(req: FastifyRequest): number;
  /** Bytes the request holds while it is served, for a body of `bytes` (the body itself included). */
  reserve(req: FastifyRequest, bytes: number): number;
  /** Refusals that need no body (quota, busy queue): throw an HttpError. May tie state to the response's end (`reply.raw` 'close'). */
  admit?(req: FastifyRequest, reply: FastifyReply): void;
}

export interface BodyRate {
  readonly minBytesPerSecond: number;
  readonly graceSeconds: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's body rule (routes without one take no body). */
    body?: BodyRule;
  }
}

/** Route option: `config: bodyConfig(rule)`. */
export const bodyConfig = (rule: BodyRule) => ({ body: rule });

const DECLARED = Symbol('declaredBodyBytes');
const RESERVED = Symbol('bodyReservation');
type BodyRequest = FastifyRequest & { [DECLARED]?: number; [RESERVED]?: Reservation };

/** The memory reserved for this request's body rule (released when the response closes). */
export function bodyReservation(req: FastifyRequest): Reservation {
  const r = (req as BodyRequest)[RESERVED];
  if (!r) throw new Error(`internal: ${req.method} ${req.routeOptions.url} has no body reservation`);
  return r;
}

const ruleOf = (req: FastifyRequest): BodyRule | undefined => req.routeOptions.config?.body;

/** Installs the octet-stream reader and the checks before it (on every route with a body rule). */
export function installBodyReader(app: FastifyInstance, account: MemoryAccount, rate: BodyRate): void {
  app.removeAllContentTypeParsers();
  app.addHook('preParsing', async (req: FastifyRequest, reply: FastifyReply, payload: Readable) => {
    const rule = ruleOf(req);
    if (!rule) return payload;
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== OCTET) throw new HttpError(415, 'unsupported-media-type', `${rule.what}: send the bytes with Content-Type: ${OCTET}`);
    if (req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] === undefined) {
      throw new HttpError(411, 'length-required', `${rule.what}: send a Content-Length (chunked bodies are not accepted)`);
    }
    const declared = Number(req.headers['content-length']);
    const limit = rule.limit(req);
    if (!Number.isSafeInteger(declared) || declared < 0) throw new HttpError(400, 'invalid-length', `Content-Length ${req.headers['content-length']}`);
    if (declared === 0) throw new HttpError(400, 'empty-body', `${rule.what}: the body is empty`);
    if (declared > limit) throw new HttpError(413, 'body-too-large', `${rule.what}: ${declared} bytes declared, at most ${limit} accepted`);
    rule.admit?.(req, reply);
    const reservation = account.reserve(rule.reserve(req, declared), rule.what, req.ip);
    reply.raw.once('close', reservation.release); // the response is sent or the connection died
    (req as BodyRequest)[DECLARED] = declared;
    (req as BodyRequest)[RESERVED] = reservation;
    return payload;
  });
  app.addContentTypeParser(OCTET, (req: FastifyRequest, payload: Readable, done: (err: Error | null, body?: Buffer) => void) => {
    const declared = (req as BodyRequest)[DECLARED];
    if (declared === undefined) {
      done(new HttpError(415, 'unsupported-media-type', `${req.method} ${req.routeOptions.url ?? 'this route'} takes no body`));
      return;
    }
    readExactly(payload, declared, rate, done);
  });
}

/** Reads `declared` bytes into one buffer; 408 when the body falls below the minimum rate. */
function readExactly(payload: Readable, declared: number, rate: BodyRate, done: (err: Error | null, body?: Buffer) => void): void {
  const body = Buffer.allocUnsafe(declared);
  let received = 0;
  const started = Date.now();
  let finished = false;
  const finish = (err: Error | null, value?: Buffer) => {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
    if (err) payload.pause();
    done(err, value);
  };
  const onData = (chunk: Buffer) => {
    if (received + chunk.length > declared) {
      finish(new HttpError(400, 'invalid-length', `the body is longer than its Content-Length ${declared}`));
      return;
    }
    chunk.copy(body, received);
    received += chunk.length;
  };
  const onEnd = () => {
    if (received !== declared) finish(new HttpError(400, 'truncated-body', `the body ended after ${received} of ${declared} bytes`));
    else finish(null, body);
  };
  const onError = (e: Error) => finish(Object.assign(e, { statusCode: 400 }));
  // Average rate since the headers, with the grace period as slack: at rate r and grace g, by
  // time t at least r * (t - g) bytes must have arrived.
  const timer = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    if (received < rate.minBytesPerSecond * (seconds - rate.graceSeconds)) {
      finish(
        new HttpError(
          408,
          'body-too-slow',
          `${received} of ${declared} bytes in ${seconds.toFixed(0)} s: bodies must arrive at ${rate.minBytesPerSecond} bytes/s or more (after ${rate.graceSeconds} s)`,
        ),
      );
    }
  }, 250);
  timer.unref();
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
  payload.resume();
}
