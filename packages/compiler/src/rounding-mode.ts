// How a circuit's rounded stages round (docs/compiler.md, "Approximate rounding"): the same
// exactly rounded circuit in either mode, per stage. Tables never change, so both modes compute the
// same without noise; an approximate stage drops extractFrom (it extracts nothing) and centres its
// scaled channels in their buckets (approximateCentring), which an exact stage undoes.
import type { IntRange } from '@fhenet/quantization';
import type { RoundingMode } from '@fhenet/params';
import { channelOfOutputs, provableExtractFrom, type Circuit, type Stage } from '@fhenet/circuit';

/**
 * Every rounded stage with the first extracted bit its integers prove per channel (v3 extractFrom,
 * circuit/rounding.ts): a scaled channel (weights and shift multiples of 2^s) skips bits 1..s-1.
 */
export function withExtractFrom(circuit: Circuit): Circuit {
  return {
    ...circuit,
    stages: circuit.stages.map((s) =>
      s.roundBits >= 2 && s.tables && s.rounding !== 'approximate' ? { ...s, extractFrom: provableExtractFrom(s.linear, s.offset, s.roundBits) } : s,
    ),
  };
}
/**
 * `circuit` (either mode, from the compiler) with every rounded stage in the given mode (one per
 * stage). Parameters are left out: the modes need different ones (chooseParameters).
 */
export function withRounding(circuit: Circuit, modes: readonly RoundingMode[] | RoundingMode): Circuit {
  const per = typeof modes === 'string' ? circuit.stages.map(() => modes) : modes;
  if (per.length !== circuit.stages.length) throw new RangeError(`withRounding: one mode per stage (${circuit.stages.length}), got ${per.length}`);
  const { parameters: _, ...rest } = circuit;
  return withExtractFrom({
    ...rest,
    stages: circuit.stages.map((s, i) => {
      if (!(s.roundBits >= 2 && s.tables)) return s;
      const { extractFrom: _e, rounding: _r, ...plain } = s;
      const approximate = s.rounding === 'approximate';
      if (per[i] === 'approximate') return approximate ? s : { ...plain, ...approximateCentring(s, 1), rounding: 'approximate' as const };
      return approximate ? { ...plain, ...approximateCentring(s, -1) } : plain;
    }),
  });
}

/**
 * An approximate lookup of a slot at offset r of its bucket lands a bucket lower when the noise
 * exceeds r + beta slots and higher when it exceeds 2^k - r - beta (@fhenet/params approximate.ts).
 * A channel scaled by 2^s (scale.ts) has every slot a multiple of 2^s, so all of them sit at
 * offsets 0, 2^s, ...: right at a bucket's lower edge, where half of them would move (LeNet's sum
 * pools, s = k: 38% of lookups off bucket). Adding d < 2^s to the channel's offsets keeps every
 * slot in its bucket (the next edge is 2^s away) and so changes nothing without noise; d = 2^(s-1) - 1
 * puts the slots halfway between two multiples of 2^s (margins 2^(s-1) - 1 + beta and 2^(s-1) + 1 - beta).
 * direction 1 centres an exact stage's channels (offsets multiples of 2^s, as size.ts builds them);
 * -1 takes an approximate stage's back (offsets = d mod 2^s).
 */
function approximateCentring(stage: Stage, direction: 1 | -1): Pick<Stage, 'offset' | 'analysis'> {
  const scale = stage.analysis.scale;
  if (!scale) return { offset: stage.offset, analysis: stage.analysis };
  const channel = channelOfOutputs(stage.linear);
  const d0 = Int32Array.from(scale, (m) => (m >= 4 ? m / 2 - 1 : 0));
  // Only channels whose every offset is where the direction expects it move.
  const movable = Array.from(d0, (d) => d > 0);
  channel.forEach((c, o) => {
    const m = scale[c]!;
    const expected = direction === 1 ? 0 : d0[c]!;
    if ((((stage.offset[o]! - expected) % m) + m) % m !== 0) movable[c] = false;
  });
  const d = Int32Array.from(d0, (v, c) => (movable[c] ? direction * v : 0));
  const [lo, hi] = [Math.min(...d), Math.max(...d)];
  const moved = (r: IntRange): IntRange => ({ min: r.min + lo, max: r.max + hi });
  const a = stage.analysis;
  return {
    offset: Int32Array.from(stage.offset, (v, o) => v + d[channel[o]!]!),
    analysis: {
      ...a,
      shift: Int32Array.from(a.shift, (v, c) => v + d[c]!),
      worstCase: moved(a.worstCase),
      ...(a.calibration ? { calibration: moved(a.calibration) } : {}),
    },
  };
}
