// The lookup-table (test) polynomial of a programmable bootstrap, from a table of p outputs.
#pragma once
#include "entities/parameters.h"

namespace fhe {

// LUT polynomial (N coefficients) from a table of p integer outputs: box = N/p coefficients per
// input value hold f(i)*delta, then the polynomial is multiplied by X^{-box/2} (first half box
// negated and rotated to the end) so noise on either side of a value stays in its box.
void build_lut(const Params& p, const i64* table, Torus* lut);

}  // namespace fhe
