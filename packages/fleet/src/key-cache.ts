// A worker's expanded evaluation keys, by key id, within a byte budget: the least recently used
// key set that no job is using goes first when a new one must fit. Two jobs that need the same
// missing key set wait for one expansion. A key set that cannot fit even after every idle one is
// gone fails the job with the numbers (another worker with more memory may take it on retry).
import type { EvaluationKeys } from '@fhenet/engine';
import { formatBytes } from '@fhenet/executor';

interface Entry {
  readonly bytes: number;
  keys: Promise<EvaluationKeys>;
  leases: number;
  lastUsed: number;
}

export class KeyCache {
  readonly budgetBytes: number;
  readonly #entries = new Map<string, Entry>();
  /** Use order (a counter: uses within one millisecond still have an order). */
  #clock = 0;
  /** Key sets expanded and evicted so far (reported in the heartbeat). */
  expanded = 0;
  evicted = 0;

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes;
  }

  get heldBytes(): number {
    let s = 0;
    for (const e of this.#entries.values()) s += e.bytes;
    return s;
  }

  /** Ids of the key sets held (expanded or expanding). */
  get ids(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Runs `fn` with the key set `id` (expanded by `load` if absent; `bytes` is its expanded size),
   * which stays in the cache at least until `fn` settles.
   */
  async use<T>(id: string, bytes: number, load: () => Promise<EvaluationKeys>, fn: (keys: EvaluationKeys) => Promise<T>): Promise<T> {
    let e = this.#entries.get(id);
    if (!e) {
      this.#makeRoom(id, bytes);
      const entry: Entry = { bytes, keys: load(), leases: 0, lastUsed: ++this.#clock };
      e = entry;
      this.#entries.set(id, entry);
      this.expanded++;
      // A failed expansion leaves nothing behind: the next job tries again.
      entry.keys.catch(() => {
        if (this.#entries.get(id) === entry) this.#entries.delete(id);
      });
    }
    e.leases++;
    e.lastUsed = ++this.#clock;
    try {
      return await fn(await e.keys);
    } finally {
      e.leases--;
      e.lastUsed = ++this.#clock;
    }
  }

  #makeRoom(id: string, bytes: number): void {
    const idle = [...this.#entries].filter(([, e]) => e.leases === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.heldBytes + bytes > this.budgetBytes && idle.length > 0) {
      const [oldId, old] = idle.shift()!;
      this.#entries.delete(oldId);
      this.evicted++;
      old.keys.then((k) => k.dispose()).catch(() => {});
    }
    if (this.heldBytes + bytes > this.budgetBytes) {
      throw new Error(
        `evaluation keys ${id.slice(0, 12)} need ${formatBytes(bytes)} expanded, but only ${formatBytes(Math.max(0, this.budgetBytes - this.heldBytes))} ` +
          `of this worker's ${formatBytes(this.budgetBytes)} key budget is free (${formatBytes(this.heldBytes)} held by key sets in use): raise --max-memory or run fewer key sets at once`,
      );
    }
  }

  clear(): void {
    for (const e of this.#entries.values()) e.keys.then((k) => k.dispose()).catch(() => {});
    this.#entries.clear();
  }
}
