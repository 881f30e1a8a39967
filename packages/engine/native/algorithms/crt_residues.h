// The CRT residue encoding of the WoP-PBS (docs/crt.md sections 1-3): a residue r mod p (p odd)
// is the raw torus value r * round(2^64 / p) under the big key, no padding bit. Selector bits of
// a neuron: the bits of r_1 (low to high, ceil(log2 p_1) of them), then r_2, ...;
// idx = sum_i r_i * 2^(b_1 + .. + b_(i-1)); a vertical-packing table holds 2^t torus words.
// Also the two lookup polynomials built from it: the residue PBS test polynomial and the CRT table.
#pragma once
#include "entities/parameters.h"

namespace fhe {

// Selector bits of a lookup at most (a table of 2^24 torus words is already 128 MiB).
constexpr size_t kMaxSelectorBits = 24;

// Bits of a residue mod p: ceil(log2 p).
unsigned residue_bits(u32 p);
// round(2^64 / p): the torus step of residue encoding E_p.
Torus residue_delta(u32 p);
// Checks a modulus list for the lookup: odd, 3 <= p <= N/2 (residue PBS margin of at least one
// coefficient on each side), pairwise coprime; returns t = sum of residue_bits (<= 24).
size_t check_moduli(const Params& p, const u32* moduli, size_t m);

// Selector index of u in [0, M) (M = product of the moduli): sum_i (u mod p_i) << (b_1 + .. + b_(i-1)).
size_t selector_index(const u32* moduli, size_t m, u64 u);
// Vertical-packing LUT (2^t words) from a table over [0, M): lut[selector_index(u)] = values[u];
// tuples that are residues of no u < M (some r_i >= p_i) get 0. Moduli checked by check_moduli.
void build_crt_lut(const Params& params, const u32* moduli, size_t m, const Torus* values, Torus* lut);

// Test polynomial (N coefficients) of g: Z_p -> torus for odd p (doc section 2): coefficient i
// takes g(r1) if i is at least as close to its nearest direct point 2N*r1/p as i+N is to its
// nearest direct point 2N*r2/p, else -g(r2). values: p torus words g(0..p-1).
void build_residue_lut(const Params& params, u32 p, const Torus* values, Torus* lut);

}  // namespace fhe
