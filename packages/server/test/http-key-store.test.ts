// The service's key store without keys or a server: ids and tokens per kind, leases that keep
// keys alive through a DELETE while a request uses them, eviction of idle keys when full, and the
// per-client quota (stand-in key sets count their dispose() calls; the clock is the test's).
import { describe, expect, it } from 'vitest';
import { HttpError } from '../src/errors.js';
import { KeyStore } from '../src/key-store.js';

class Fake {
  disposed = 0;
  dispose(): void {
    this.disposed++;
  }
}
function setup(maxKeys: number, idleMs: number, maxPerClient = maxKeys) {
  let t = 0;
  const store = new KeyStore<Fake>({ maxKeys, idleMs, maxPerClient, now: () => t });
  return { store, advance: (ms: number) => (t += ms) };
}
async function status(p: Promise<unknown> | (() => unknown)): Promise<number> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 0;
  } catch (e) {
    if (e instanceof HttpError) return e.statusCode;
    throw e;
  }
}

describe('KeyStore', () => {
  it('gives each key set an id and a token; the id alone neither uses nor deletes it (issue 16, finding 5)', async () => {
    const { store } = setup(2, 1000);
    const a = new Fake();
    const k = await store.register('10.0.0.1', 'tfhe-rs', async () => a);
    expect(k.keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(k.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    const other = await store.register('10.0.0.1', 'tfhe-rs', async () => new Fake());
    expect(other.token).not.toBe(k.token);
    // Wrong token, another key's token, or an unknown id: the same 404, so nothing tells which ids exist.
    const wrong = `${k.token.slice(0, -1)}${k.token.endsWith('A') ? 'B' : 'A'}`;
    expect(await status(store.use(k.keyId, wrong, 'tfhe-rs', async () => 1))).toBe(404);
    expect(await status(store.use(k.keyId, other.token, 'tfhe-rs', async () => 1))).toBe(404);
    expect(await status(() => store.delete(k.keyId, wrong, 'tfhe-rs'))).toBe(404);
    expect(await status(() => store.delete('nope', k.token, 'tfhe-rs'))).toBe(404);
    const messages = new Set<string>();
    for (const f of [() => store.delete(k.keyId, wrong, 'tfhe-rs'), () => store.delete('nope', k.token, 'tfhe-rs')]) {
      try {
        f();
      } catch (e) {
        messages.add((e as Error).message);
      }
    }
    expect(messages.size).toBe(1);
    expect(a.disposed).toBe(0);
    // The right token: the kind still has to match (409), then it works.
    expect(await status(() => store.delete(k.keyId, k.token, 'engine'))).toBe(409);
    expect(await status(store.use(k.keyId, k.token, 'engine', async () => 1))).toBe(409);
    expect(await store.use(k.keyId, k.token, 'tfhe-rs', async (s) => s)).toBe(a);
    store.delete(k.keyId, k.token, 'tfhe-rs');
    expect(a.disposed).toBe(1);
  });

  it('a DELETE during a request removes the id at once and frees the keys when the request ends', async () => {
    const { store } = setup(2, 1000);
    const a = new Fake();
    const k = await store.register('c', 'engine', async () => a);
    let finish!: () => void;
    const running = store.use(k.keyId, k.token, 'engine', () => new Promise<void>((r) => (finish = r)));
    store.delete(k.keyId, k.token, 'engine');
    expect(store.size).toBe(0);
    expect(await status(store.use(k.keyId, k.token, 'engine', async () => 1))).toBe(404);
    expect(a.disposed).toBe(0); // still computing
    finish();
    await running;
    expect(a.disposed).toBe(1);
  });

  it('frees keys at once when deleted idle, and on clear()', async () => {
    const { store } = setup(3, 1000);
    const [a, b] = [new Fake(), new Fake()];
    const k = await store.register('c', 'engine', async () => a);
    await store.register('c', 'tfhe-rs', async () => b);
    store.delete(k.keyId, k.token, 'engine');
    expect(a.disposed).toBe(1);
    store.clear();
    expect(b.disposed).toBe(1);
    expect(store.size).toBe(0);
  });

  it('when full, evicts the least recently used key idle for idleMs; busy or recent keys make it 503', async () => {
    const { store, advance } = setup(2, 1000);
    const [a, b, c, d] = [new Fake(), new Fake(), new Fake(), new Fake()];
    const kA = await store.register('x', 'tfhe-rs', async () => a);
    advance(10);
    const kB = await store.register('y', 'engine', async () => b);
    advance(500);
    expect(await status(store.register('z', 'tfhe-rs', async () => c))).toBe(503); // nobody idle long enough
    advance(600); // A idle 1110 ms, B 1100 ms
    await store.use(kA.keyId, kA.token, 'tfhe-rs', async () => advance(5)); // A used just now: B is the LRU idle one
    const kC = await store.register('z', 'tfhe-rs', async () => c);
    expect(b.disposed).toBe(1);
    expect(await status(store.use(kB.keyId, kB.token, 'engine', async () => 1))).toBe(404);
    expect(store.evicted).toBe(1);

    // A key in use is never evicted, however old its last use.
    let finish!: () => void;
    const running = store.use(kC.keyId, kC.token, 'tfhe-rs', () => new Promise<void>((r) => (finish = r)));
    advance(5000);
    store.delete(kA.keyId, kA.token, 'tfhe-rs');
    await store.register('w', 'engine', async () => d); // fills the slot A left
    expect(await status(store.register('v', 'engine', async () => new Fake()))).toBe(503); // C busy, D new
    finish();
    await running;
    expect(c.disposed).toBe(0);
  });

  it('counts registrations in flight against the limit and releases the slot if making the keys fails', async () => {
    const { store } = setup(1, 0);
    let finish!: (f: Fake) => void;
    const first = store.register('a', 'engine', () => new Promise<Fake>((r) => (finish = r)));
    expect(await status(store.register('b', 'engine', async () => new Fake()))).toBe(503);
    finish(new Fake());
    await first;
    const { store: s2 } = setup(1, 1000);
    expect(
      await status(
        s2.register('a', 'tfhe-rs', async () => {
          throw new HttpError(400, 'invalid-keys', 'bad');
        }),
      ),
    ).toBe(400);
    await s2.register('a', 'tfhe-rs', async () => new Fake()); // the slot was released
  });

  it('holds one client to its quota, in-flight registrations included, and leaves room for the others (key-store flooding)', async () => {
    const { store } = setup(4, 60_000, 2);
    await store.register('flooder', 'engine', async () => new Fake());
    let finish!: (f: Fake) => void;
    const inFlight = store.register('flooder', 'tfhe-rs', () => new Promise<Fake>((r) => (finish = r)));
    expect(store.held('flooder')).toBe(2);
    expect(await status(store.register('flooder', 'engine', async () => new Fake()))).toBe(429);
    expect(await status(() => store.begin('flooder', 'engine'))).toBe(429);
    finish(new Fake());
    await inFlight;
    expect(await status(store.register('flooder', 'engine', async () => new Fake()))).toBe(429);
    // Other clients still register, until the store itself is full.
    await store.register('alice', 'engine', async () => new Fake());
    await store.register('bob', 'engine', async () => new Fake());
    expect(await status(store.register('carol', 'engine', async () => new Fake()))).toBe(503);
    expect(() => new KeyStore({ maxKeys: 2, maxPerClient: 0 })).toThrow(/per client/);
  });
});
