// A bounded job queue: one job runs at a time (a job already uses every core through the engine's
// thread pool), at most `capacity` wait. When full, `submit` throws BusyError at once, which the
// service answers with 503, instead of letting memory grow with queued ciphertexts.

export class BusyError extends Error {
  constructor(
    readonly waiting?: number,
    message = `server busy: ${waiting} job(s) already waiting; retry later`,
  ) {
    super(message);
    this.name = 'BusyError';
  }
}

export class JobQueue {
  readonly capacity: number;
  #running = false;
  #waiting: (() => void)[] = [];
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`queue capacity must be an integer >= 0, got ${capacity}`);
    this.capacity = capacity;
  }
  get running(): boolean {
    return this.#running;
  }
  get waiting(): number {
    return this.#waiting.length;
  }
  /** Runs `job` when its turn comes; rejects with BusyError if the queue is full. */
  async submit<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running) {
      if (this.#waiting.length >= this.capacity) throw new BusyError(this.#waiting.length);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running = true;
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next)
        next(); // hands the running slot over directly
      else this.#running = false;
    }
  }
}
