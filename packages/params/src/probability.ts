// Failure probability over many PBS, computed stably: per-PBS probabilities are ~2^-128, where
// 1 - p rounds to 1 in double precision, so (1-p)^c is taken as exp(c * log1p(-p)).

function checkCount(pbsCount: number): void {
  if (!Number.isInteger(pbsCount) || pbsCount < 0) throw new Error(`pbsCount must be an integer >= 0, got ${pbsCount}`);
}

/** 1 - (1 - p)^pbsCount with p = 2^log2PFailPerPbs: the chance that at least one PBS fails. */
export function pFailPerInference(log2PFailPerPbs: number, pbsCount: number): number {
  checkCount(pbsCount);
  if (log2PFailPerPbs > 0) throw new Error(`log2PFailPerPbs must be <= 0, got ${log2PFailPerPbs}`);
  return -Math.expm1(pbsCount * Math.log1p(-(2 ** log2PFailPerPbs)));
}

/** The per-PBS log2 p_fail that gives exactly `pErrorPerInference` over `pbsCount` PBS. */
export function log2PFailPerPbsFor(pErrorPerInference: number, pbsCount: number): number {
  checkCount(pbsCount);
  if (pbsCount === 0) throw new Error('pbsCount must be >= 1 to split an error budget across PBS');
  if (!(pErrorPerInference > 0 && pErrorPerInference < 1)) {
    throw new Error(`pErrorPerInference must be in (0, 1), got ${pErrorPerInference}`);
  }
  return Math.log2(-Math.expm1(Math.log1p(-pErrorPerInference) / pbsCount));
}
