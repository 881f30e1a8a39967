// Admission control from accounted memory: the service adds up what it holds on purpose (the
// backend's fixed reserve, every registered key set, every body being received and every
// inference waiting or running) and admits a request only when its own share fits under the
// limit, before a byte of its body is read. The process's resident size is read once, at start,
// as the baseline: it is never consulted per request, so memory that an attack made the
// allocator keep cannot lock out legitimate clients once the attack is over. One client's
// requests in flight may hold at most `clientShare` of what is not fixed, so one client sending
// many large bodies slowly cannot hold the whole budget (key sets have their own per-client quota).
import { formatBytes } from '@fhenet/executor';
import { HttpError } from './errors.js';

export interface Reservation {
  readonly bytes: number;
  /** Gives the bytes back; idempotent. */
  release(): void;
  /**
   * Moves `bytes` of this reservation into a new one, with no admission check (they were
   * admitted already) and no owner: a registration's body reservation hands the key set its share.
   */
  split(bytes: number): Reservation;
}

export class MemoryAccount {
  readonly limitBytes: number;
  readonly fixedBytes: number;
  /** Fraction of limit - fixed one client's requests may hold at once. */
  readonly clientShare: number;
  #reserved = 0;
  #held = 0;
  readonly #byOwner = new Map<string, number>();

  constructor(limitBytes: number, fixedBytes: number, clientShare = 0.5) {
    if (!(limitBytes > 0)) throw new RangeError(`memory limit must be > 0 bytes, got ${limitBytes}`);
    if (!(clientShare > 0 && clientShare <= 1)) throw new RangeError(`a client's memory share must be in (0, 1], got ${clientShare}`);
    this.limitBytes = limitBytes;
    this.fixedBytes = fixedBytes;
    this.clientShare = clientShare;
  }

  /** Bytes accounted now: the fixed reserve plus every live reservation. */
  get usedBytes(): number {
    return this.fixedBytes + this.#reserved;
  }
  /** Live reservations (for /v1/health and tests). */
  get reservations(): number {
    return this.#held;
  }

  /** Bytes `owner`'s requests hold now. */
  heldBy(owner: string): number {
    return this.#byOwner.get(owner) ?? 0;
  }

  /**
   * Reserves `bytes` for `what` (on behalf of `owner`, a client, when given), or throws 503
   * insufficient-memory naming the figures.
   */
  reserve(bytes: number, what: string, owner?: string): Reservation {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`internal: reservation of ${bytes} bytes`);
    // The service-wide check first: when the request cannot fit at all, that is what to say.
    const free = this.limitBytes - this.usedBytes;
    if (bytes > free) {
      throw new HttpError(
        503,
        'insufficient-memory',
        `${what} needs ${formatBytes(bytes)} but only ${formatBytes(Math.max(0, free))} of the service's ${formatBytes(this.limitBytes)} are free ` +
          `(${formatBytes(this.fixedBytes)} fixed, ${formatBytes(this.#reserved)} held by ${this.#held} key set(s) and request(s)); retry later`,
      );
    }
    if (owner !== undefined) {
      const share = Math.floor(this.clientShare * (this.limitBytes - this.fixedBytes));
      const mine = this.heldBy(owner);
      if (mine + bytes > share) {
        throw new HttpError(
          503,
          'insufficient-memory',
          `${what} needs ${formatBytes(bytes)} but this client's requests in flight already hold ${formatBytes(mine)} of the ${formatBytes(share)} one client may hold; retry when they are done`,
        );
      }
    }
    return this.#hold(bytes, owner);
  }

  #owe(owner: string | undefined, bytes: number): void {
    if (owner === undefined) return;
    const n = this.heldBy(owner) + bytes;
    if (n === 0) this.#byOwner.delete(owner);
    else this.#byOwner.set(owner, n);
  }

  #hold(bytes: number, owner?: string): Reservation {
    this.#reserved += bytes;
    this.#held++;
    this.#owe(owner, bytes);
    let live = true;
    let left = bytes;
    const r: Reservation = {
      get bytes() {
        return left;
      },
      release: () => {
        if (!live) return;
        live = false;
        this.#reserved -= left;
        this.#held--;
        this.#owe(owner, -left);
      },
      split: (part: number) => {
        if (!live || !(part >= 0 && part <= left)) throw new RangeError(`internal: split ${part} of a reservation of ${live ? left : 'released'} bytes`);
        left -= part;
        this.#reserved -= part;
        this.#owe(owner, -part);
        return this.#hold(part); // the part leaves the client's requests (a key set is counted by its quota)
      },
    };
    return r;
  }
}
