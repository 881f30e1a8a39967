// Waits for BullMQ jobs to finish: 'completed' and 'failed' events from QueueEvents (a job's last
// failure only; retries and stalled re-runs are BullMQ's business), and a poll every few seconds
// that catches what events cannot tell: a job that vanished (Redis restarted without its data) and
// Redis unreachable for too long (RedisWatch). Either ends the wait with a clear error.
import type { Queue, QueueEvents } from 'bullmq';
import type { RedisWatch } from './redis.js';

interface Pending {
  readonly resolve: (returnvalue: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly since: number;
  readonly what: string;
}

const POLL_MS = 1000;
/** A job is asked for its state once it has waited this long without an event (covers missed events). */
const STATE_CHECK_MS = 3000;

export class JobWaiter {
  readonly #pending = new Map<string, Pending>();
  readonly #queue: Queue;
  readonly #watch: RedisWatch;
  #timer: NodeJS.Timeout | null = null;
  #polling = false;

  constructor(queue: Queue, events: QueueEvents, watch: RedisWatch) {
    this.#queue = queue;
    this.#watch = watch;
    events.on('completed', ({ jobId, returnvalue }) => this.#settle(jobId, (p) => p.resolve(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => this.#settle(jobId, (p) => p.reject(new Error(`${p.what} failed: ${failedReason}`))));
  }

  /** Resolves with the job's return value; `what` names the job in errors. */
  wait(jobId: string, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#pending.set(jobId, { resolve, reject, since: Date.now(), what });
      this.#timer ??= setInterval(() => void this.#poll(), POLL_MS);
    });
  }

  /** Stops waiting for `jobId` (its promise never settles). */
  forget(jobId: string): void {
    this.#settle(jobId, () => {});
  }

  /** Rejects every wait (closing). */
  abandon(e: Error): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(e));
  }

  #settle(jobId: string, f: (p: Pending) => void): void {
    const p = this.#pending.get(jobId);
    if (!p) return;
    this.#pending.delete(jobId);
    if (this.#pending.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    f(p);
  }

  async #poll(): Promise<void> {
    const down = this.#watch.failure();
    if (down) return this.abandon(down);
    if (this.#polling) return;
    this.#polling = true;
    try {
      const now = Date.now();
      for (const [id, p] of [...this.#pending]) {
        if (now - p.since < STATE_CHECK_MS || this.#watch.failure()) continue;
        const state = await this.#queue.getJobState(id);
        if (state === 'completed' || state === 'failed') {
          const job = await this.#queue.getJob(id);
          if (state === 'completed') this.#settle(id, (q) => q.resolve(job?.returnvalue));
          else this.#settle(id, (q) => q.reject(new Error(`${q.what} failed: ${job?.failedReason ?? 'unknown reason'}`)));
        } else if (state === 'unknown') {
          this.#settle(id, (q) =>
            q.reject(new Error(`${q.what}: job ${id} vanished from Redis (restarted without persistence, or flushed): the run is abandoned; run it again`)),
          );
        }
      }
    } catch {
      // Redis trouble: the watch turns a long outage into the error above.
    } finally {
      this.#polling = false;
    }
  }
}
