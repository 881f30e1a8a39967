// The service's key store without keys or a server: ids per kind, leases that keep keys alive
// through a DELETE while a request uses them, and eviction of idle keys when full (stand-in
// servers count their dispose() calls; the clock is the test's).
import { describe, expect, it } from 'vitest';
import { HttpError } from '../src/errors.js';
import { KeyStore } from '../src/key-store.js';

class Fake {
  disposed = 0;
  dispose(): void {
    this.disposed++;
  }
}
function setup(maxKeys: number, idleMs: number) {
  let t = 0;
  const store = new KeyStore<Fake>({ maxKeys, idleMs, now: () => t });
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
  it('answers 404 for unknown ids and 409 for an id of the other kind', async () => {
    const { store } = setup(2, 1000);
    const a = new Fake();
    const id = await store.register('tfhe-rs', async () => a);
    expect(await status(() => store.delete('nope', 'tfhe-rs'))).toBe(404);
    expect(await status(() => store.delete(id, 'engine'))).toBe(409);
    expect(await status(store.use(id, 'engine', async () => 1))).toBe(409);
    expect(await store.use(id, 'tfhe-rs', async (s) => s)).toBe(a);
  });

  it('a DELETE during a request removes the id at once and frees the keys when the request ends', async () => {
    const { store } = setup(2, 1000);
    const a = new Fake();
    const id = await store.register('engine', async () => a);
    let finish!: () => void;
    const running = store.use(id, 'engine', () => new Promise<void>((r) => (finish = r)));
    store.delete(id, 'engine');
    expect(store.size).toBe(0);
    expect(await status(store.use(id, 'engine', async () => 1))).toBe(404);
    expect(a.disposed).toBe(0); // still computing
    finish();
    await running;
    expect(a.disposed).toBe(1);
  });

  it('frees keys at once when deleted idle, and on clear()', async () => {
    const { store } = setup(3, 1000);
    const [a, b] = [new Fake(), new Fake()];
    const id = await store.register('engine', async () => a);
    await store.register('tfhe-rs', async () => b);
    store.delete(id, 'engine');
    expect(a.disposed).toBe(1);
    store.clear();
    expect(b.disposed).toBe(1);
    expect(store.size).toBe(0);
  });

  it('when full, evicts the least recently used key idle for idleMs; busy or recent keys make it 503', async () => {
    const { store, advance } = setup(2, 1000);
    const [a, b, c, d] = [new Fake(), new Fake(), new Fake(), new Fake()];
    const idA = await store.register('tfhe-rs', async () => a);
    advance(10);
    const idB = await store.register('engine', async () => b);
    advance(500);
    expect(await status(store.register('tfhe-rs', async () => c))).toBe(503); // nobody idle long enough
    advance(600); // A idle 1110 ms, B 1100 ms
    await store.use(idA, 'tfhe-rs', async () => advance(5)); // A used just now: B is the LRU idle one
    const idC = await store.register('tfhe-rs', async () => c);
    expect(b.disposed).toBe(1);
    expect(await status(store.use(idB, 'engine', async () => 1))).toBe(404);
    expect(store.evicted).toBe(1);

    // A key in use is never evicted, however old its last use.
    let finish!: () => void;
    const running = store.use(idC, 'tfhe-rs', () => new Promise<void>((r) => (finish = r)));
    advance(5000);
    store.delete(idA, 'tfhe-rs');
    await store.register('engine', async () => d); // fills the slot A left
    expect(await status(store.register('engine', async () => new Fake()))).toBe(503); // C busy, D new
    finish();
    await running;
    expect(c.disposed).toBe(0);
  });

  it('counts registrations in flight against the limit and releases the slot if making the keys fails', async () => {
    const { store } = setup(1, 0);
    let finish!: (f: Fake) => void;
    const first = store.register('engine', () => new Promise<Fake>((r) => (finish = r)));
    expect(await status(store.register('engine', async () => new Fake()))).toBe(503);
    finish(new Fake());
    await first;
    const { store: s2 } = setup(1, 1000);
    expect(
      await status(
        s2.register('tfhe-rs', async () => {
          throw new HttpError(400, 'invalid-keys', 'bad');
        }),
      ),
    ).toBe(400);
    await s2.register('tfhe-rs', async () => new Fake()); // the slot was released
  });
});
