// Shared checks of the PBS tests (default suite and .slow suite).
import { expect } from 'vitest';
import { ClientKey, ServerEngine } from '@fhenet/engine';
import type { TestSet } from '@fhenet/testing';

function randomTable(p: number): number[] {
  return Array.from({ length: p }, () => Math.floor(Math.random() * p));
}

/** Weights with 2-norm exactly nu (nu^2 split into squares), one of them negative. */
export function weightsWithNorm(nu: number): number[] {
  let rest = nu * nu;
  const w: number[] = [];
  let s = Math.ceil(Math.sqrt(rest / 2));
  while (rest > 0) {
    s = Math.min(s, Math.floor(Math.sqrt(rest)));
    w.push(s);
    rest -= s * s;
  }
  if (w.length > 1) w[w.length - 1] = -w[w.length - 1]!;
  return w;
}

/**
 * Every input value m in [0, p): (1) a fresh encryption of m through a PBS with a random table;
 * (2) a dot product of PBS outputs with weights of 2-norm maxNu (plus a bias so the result is m),
 * through a PBS with another random table. Both must decrypt to the table's value.
 */
export async function checkEveryValue(set: TestSet): Promise<void> {
  const p = 2 ** set.messageBits;
  const ck = ClientKey.generate(set);
  const keys = await ck.generateEvaluationKeys();
  const eng = new ServerEngine(set, keys);
  const values = Array.from({ length: p }, (_, m) => m);

  const t1 = randomTable(p);
  const direct = eng.pbs(ck.encrypt(values), new Uint32Array(p), [t1]);
  expect(Array.from(ck.decrypt(direct)), `${set.name}: fresh -> PBS`).toEqual(t1);

  // Inputs to the dot product are PBS outputs (worst-case noise of the model).
  const w = weightsWithNorm(set.maxNu);
  expect(Math.hypot(...w)).toBeCloseTo(set.maxNu, 9);
  const x = w.map(() => Math.floor(Math.random() * p));
  const identity = Array.from({ length: p }, (_, i) => i);
  const inputs = eng.pbs(ck.encrypt(x), new Uint32Array(w.length), [identity]);
  const clear = w.reduce((s, wi, i) => s + wi * x[i]!, 0);
  const weights = new Int32Array(p * w.length);
  for (let r = 0; r < p; r++) weights.set(w, r * w.length);
  const bias = values.map((m) => m - clear);
  const acc = eng.dot(inputs, { rows: p, cols: w.length, values: weights }, bias);
  const t2 = randomTable(p);
  const t3 = randomTable(p);
  // Two tables in one batch: even rows use t2, odd rows t3.
  const index = values.map((m) => m % 2);
  const out = eng.pbs(acc, index, [t2, t3]);
  expect(Array.from(ck.decrypt(out)), `${set.name}: dot(nu=${set.maxNu}) -> PBS`).toEqual(values.map((m) => (m % 2 ? t3 : t2)[m]));
  for (const o of [direct, inputs, acc, out, keys, ck]) o.dispose();
}
