// Admission control from accounted memory: the service adds up what it holds on purpose (the
// backend's fixed reserve, every registered key set, every body being received and every
// inference waiting or running) and admits a request only when its own share fits under the
// limit, before a byte of its body is read. The process's resident size is read once, at start,
// as the baseline: it is never consulted per request, so memory that an attack made the
// allocator keep cannot lock out legitimate clients once the attack is over.
import { formatBytes } from '@fhenet/executor';
import { HttpError } from './errors.js';

export interface Reservation {
  readonly bytes: number;
  /** Gives the bytes back; idempotent. */
  release(): void;
  /**
   * Moves `bytes` of this reservation into a new one, with no admission check (they were
   * admitted already): a registration's body reservation hands the key set its share.
   */
  split(bytes: number): Reservation;
}

export class MemoryAccount {
  readonly limitBytes: number;
  readonly fixedBytes: number;
  #reserved = 0;
  #held = 0;

  constructor(limitBytes: number, fixedBytes: number) {
    if (!(limitBytes > 0)) throw new RangeError(`memory limit must be > 0 bytes, got ${limitBytes}`);
    this.limitBytes = limitBytes;
    this.fixedBytes = fixedBytes;
  }

  /** Bytes accounted now: the fixed reserve plus every live reservation. */
  get usedBytes(): number {
    return this.fixedBytes + this.#reserved;
  }
  /** Live reservations (for /v1/health and tests). */
  get reservations(): number {
    return this.#held;
  }

  /** Reserves `bytes` for `what`, or throws 503 insufficient-memory naming both figures. */
  reserve(bytes: number, what: string): Reservation {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`internal: reservation of ${bytes} bytes`);
    const free = this.limitBytes - this.usedBytes;
    if (bytes > free) {
      throw new HttpError(
        503,
        'insufficient-memory',
        `${what} needs ${formatBytes(bytes)} but only ${formatBytes(Math.max(0, free))} of the service's ${formatBytes(this.limitBytes)} are free ` +
          `(${formatBytes(this.fixedBytes)} fixed, ${formatBytes(this.#reserved)} held by ${this.#held} key set(s) and request(s)); retry later`,
      );
    }
    return this.#hold(bytes);
  }

  #hold(bytes: number): Reservation {
    this.#reserved += bytes;
    this.#held++;
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
      },
      split: (part: number) => {
        if (!live || !(part >= 0 && part <= left)) throw new RangeError(`internal: split ${part} of a reservation of ${live ? left : 'released'} bytes`);
        left -= part;
        this.#reserved -= part;
        return this.#hold(part);
      },
    };
    return r;
  }
}
