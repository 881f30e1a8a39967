// Admission from accounted memory (issue 16, finding 4): reservations against a limit, a
// registration's body reservation handing its key set a share of its own, and one client's
// requests in flight held to a share of the budget; nothing here reads the process's RSS.
import { describe, expect, it } from 'vitest';
import { HttpError } from '../src/errors.js';
import { MemoryAccount } from '../src/memory-account.js';

const MiB = 2 ** 20;
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError);
    expect((e as HttpError).statusCode).toBe(503);
    return (e as Error).message;
  }
  throw new Error('expected a 503');
}

describe('MemoryAccount', () => {
  it('admits what fits beside the fixed reserve and what is held, and gives it back', () => {
    const a = new MemoryAccount(1000 * MiB, 200 * MiB);
    const r1 = a.reserve(500 * MiB, 'evaluation keys');
    expect(a.usedBytes).toBe(700 * MiB);
    expect(refusal(() => a.reserve(301 * MiB, 'ciphertexts'))).toMatch(
      /ciphertexts needs 301\.0 MiB but only 300\.0 MiB of the service's 1000\.0 MiB are free \(200\.0 MiB fixed, 500\.0 MiB held by 1 key set/,
    );
    r1.release();
    r1.release(); // idempotent
    expect(a.usedBytes).toBe(200 * MiB);
    expect(a.reservations).toBe(0);
  });

  it("splits a registration's reservation: the key set keeps its share after the request ends", () => {
    const a = new MemoryAccount(1000 * MiB, 0);
    const body = a.reserve(300 * MiB, 'evaluation keys', '10.0.0.1');
    const keySet = body.split(200 * MiB);
    expect(a.heldBy('10.0.0.1')).toBe(100 * MiB); // the key set is counted by the key quota, not the client's share
    body.release();
    expect(a.usedBytes).toBe(200 * MiB);
    keySet.release();
    expect(a.usedBytes).toBe(0);
    expect(() => body.split(1)).toThrow(/internal/);
  });

  it("holds one client's requests in flight to a share of the budget, so others still fit", () => {
    const a = new MemoryAccount(1000 * MiB, 200 * MiB, 0.5); // 400 MiB per client
    const held = [a.reserve(150 * MiB, 'ciphertexts', 'attacker'), a.reserve(150 * MiB, 'ciphertexts', 'attacker')];
    expect(refusal(() => a.reserve(150 * MiB, 'ciphertexts', 'attacker'))).toMatch(
      /this client's requests in flight already hold 300\.0 MiB of the 400\.0 MiB one client may hold/,
    );
    const legit = a.reserve(300 * MiB, 'evaluation keys', 'client');
    for (const r of held) r.release();
    expect(a.heldBy('attacker')).toBe(0);
    legit.release();
    expect(a.usedBytes).toBe(200 * MiB);
  });
});
