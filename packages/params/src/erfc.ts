// log2 erfc(x) without underflow. Failure probabilities reach 2^-145 and the optimizer probes
// far smaller ones (erfc(x) < 2^-1074 once x > 27), so the result is assembled in the log domain:
// erfc(x) = exp(-x^2) / sqrt(pi) * F(x) with F a continued fraction for large x.

/** Below this x, erfc = 1 - erf with erf from its all-positive series (relative error ~1e-14). */
const SERIES_LIMIT = 2;
/** Continued-fraction depth; at x = 2 the tail has converged to double precision well before. */
const FRACTION_TERMS = 400;

/** erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)); all terms > 0. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/** ln erfc(x) for x >= SERIES_LIMIT: erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
function lnErfcFraction(x: number): number {
  let tail = 0;
  for (let i = FRACTION_TERMS; i >= 1; i--) tail = i / 2 / (x + tail);
  return -x * x - 0.5 * Math.log(Math.PI) - Math.log(x + tail);
}

/** log2 of erfc(x), accurate for every finite x (no underflow for large x). */
export function log2Erfc(x: number): number {
  if (Number.isNaN(x)) throw new Error('log2Erfc: x is NaN');
  if (x >= SERIES_LIMIT) return lnErfcFraction(x) / Math.LN2;
  if (x >= 0) return Math.log2(1 - erfSeries(x));
  // erfc(-x) = 2 - erfc(x): between 1 and 2, no precision issue.
  return Math.log2(2 - 2 ** log2Erfc(-x));
}

/** erfc(x) as a plain number (underflows to 0 past x ~ 27; use log2Erfc there). */
export function erfc(x: number): number {
  return 2 ** log2Erfc(x);
}
