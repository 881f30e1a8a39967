// Connections to the fleet's Redis. Every process of the fleet (coordinator, workers) reaches it
// by one URL (redis://[user:password@]host:port[/db]). A first connection that cannot be made in
// time is a clear error naming the URL and the cause; later outages are watched (RedisWatch) so
// that a coordinator abandons a run, clearly, when Redis stays unreachable, instead of waiting
// forever or returning part of an answer.
import { Redis } from 'ioredis';

/** The URL without its password (for messages and logs). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * A connection as BullMQ wants it (commands wait across reconnects instead of failing after a few
 * retries; the watch decides when an outage is too long). Rejects with a clear error when Redis
 * does not answer within `timeoutMs`.
 */
export async function connectRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url)) throw new Error(`--redis ${redactUrl(url)}: expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379`);
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  let lastError = '';
  const onError = (e: Error) => {
    lastError = e.message;
  };
  redis.on('error', onError);
  try {
    await withTimeout(
      (async () => {
        redis.connect().catch(() => {}); // failures show as 'error' events; retries continue until ready or timeout
        await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));
        await redis.ping();
      })(),
      timeoutMs,
      () =>
        `cannot reach Redis at ${redactUrl(url)} within ${(timeoutMs / 1000).toFixed(0)} s${lastError ? ` (${lastError})` : ''}: start it (docs/deployment.md) or fix --redis`,
    );
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  return redis;
}

/** Rejects with message() if `p` has not settled after ms. */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Watches a connection: how long it has been down and the last error seen. A coordinator races
 * its Redis calls and waits against `guard` and abandons the run when Redis has been unreachable
 * for longer than `unreachableMs` (a restart within it resumes: ioredis reconnects, commands
 * issued meanwhile are sent then, and BullMQ's jobs are in Redis).
 */
export class RedisWatch {
  #downSince: number | null = null;
  #lastError = '';
  #timer: NodeJS.Timeout | null = null;
  readonly #listeners = new Set<(e: Error) => void>();
  readonly url: string;
  readonly unreachableMs: number;
  constructor(redis: Redis, url: string, unreachableMs: number) {
    this.url = redactUrl(url);
    this.unreachableMs = unreachableMs;
    redis.on('error', (e: Error) => {
      this.#lastError = e.message;
    });
    const down = () => {
      if (this.#downSince !== null) return;
      this.#downSince = Date.now();
      this.#timer = setTimeout(() => {
        const e = this.#error();
        for (const l of this.#listeners) l(e);
      }, unreachableMs);
      this.#timer.unref();
    };
    redis.on('close', down);
    redis.on('reconnecting', down);
    redis.on('end', down);
    redis.on('ready', () => {
      this.#downSince = null;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
    });
  }
  /** The error to abandon the run with, or null while Redis is up or down for less than unreachableMs. */
  failure(): Error | null {
    return this.#downSince !== null && Date.now() - this.#downSince >= this.unreachableMs ? this.#error() : null;
  }
  #error(): Error {
    const s = this.#downSince === null ? 0 : (Date.now() - this.#downSince) / 1000;
    return new Error(
      `Redis at ${this.url} unreachable for ${s.toFixed(0)} s${this.#lastError ? ` (${this.#lastError})` : ''}: ` +
        'the run is abandoned and nothing partial is returned; restart Redis (with persistence to resume queued work) and run again',
    );
  }
  /** `p`, or the outage error if Redis stays unreachable too long first. */
  async guard<T>(p: Promise<T>): Promise<T> {
    const now = this.failure();
    if (now) throw now;
    let listener!: (e: Error) => void;
    const failed = new Promise<never>((_, reject) => {
      listener = reject;
      this.#listeners.add(reject);
    });
    try {
      return await Promise.race([p, failed]);
    } finally {
      this.#listeners.delete(listener);
    }
  }
}
