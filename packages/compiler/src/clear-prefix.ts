// Sizing the clear prefix (compile --clear-first-layer): the first lowered stages become clear
// stages the client evaluates (circuit/clear.ts). Each is sized alone on the exact worst case,
// with a table as wide as its own accumulator needs, so it is exact for every input and its
// width does not enter the encrypted circuit's bit-width.

import type { ClearStage } from '@fhenet/circuit';
import { LoweringError } from './errors.js';
import type { LoweredGraph } from './lower/lowered.js';
import type { StageRanges } from './ranges.js';
import { sizeCircuit } from './size.js';

export function sizeClearStages(lowered: LoweredGraph, ranges: readonly StageRanges[], count: number): ClearStage[] {
  if (!Number.isInteger(count) || count < 1 || count >= lowered.stages.length) {
    throw new RangeError(`clear stages: expected 1 to ${lowered.stages.length - 1} (at least one stage must stay encrypted), got ${count}`);
  }
  return lowered.stages.slice(0, count).map((st, i) => {
    if (!st.outputQuantizer) throw new LoweringError(st.name, 'a clear stage must end in a quantizer: its integer outputs are what the client encrypts');
    const one = sizeCircuit({ ...lowered, stages: [st] }, [ranges[i]!], { sizing: 'worstCase' });
    const s = one.stages[0]!;
    const { shift, worstCase, nu } = s.analysis;
    return { name: s.name, linear: s.linear, bits: one.bits, offset: s.offset, tables: s.tables!, analysis: { shift, worstCase, nu } };
  });
}
