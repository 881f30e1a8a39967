// WoP-PBS packing keyswitching keys (PFKS), full and seeded, and their layout. Algorithms:
// algorithms/lwe_packing_keyswitch_key_generation.h, algorithms/lwe_packing_keyswitch.h.
#pragma once
#include "commons/aligned_buffer.h"
#include "commons/csprng.h"
#include "entities/parameters.h"

namespace fhe {

// Key c (c < k: f_c(x) = -S_c x; c = k: f_k(x) = x) holds for each input coefficient a and level
// j a GLWE encryption of f_c(s'_a q / B_pfks^j). Keys c < k read the input key extended with -1
// (a < kN: s_a; a = kN: -1) so the private f_c also acts on the body; the identity key has only
// the kN mask inputs (its body term is the trivial (0, .., b)).
struct PfksLayout {
  size_t k, N, big, levels;
  explicit PfksLayout(const WopParams& w)
      : k(w.params.glwe_dimension.value), N(w.params.polynomial_size.value), big(k * N),
        levels(w.pfks.level_count.value) {}
  size_t row_len() const { return (k + 1) * N; }
  size_t inputs(size_t c) const { return c < k ? big + 1 : big; }
  size_t first_row(size_t c) const { return c * (big + 1) * levels; }  // keys c < k come first
  size_t rows() const { return first_row(k) + big * levels; }
  size_t len() const { return rows() * row_len(); }
};

// Server-side packing keyswitching keys (no secret): [c][a][level][(k+1) polys of N], rows
// from PfksLayout::first_row(c).
struct PackingKeyswitchKeys {
  WopParams wop;
  AlignedBuffer<Torus> data;
};

// Compressed transfer form (client -> server): masks are regenerated from mask_seed (public).
struct SeededPackingKeys {
  WopParams wop;
  ChaChaKey mask_seed;
  AlignedBuffer<Torus> bodies;  // [row][N], rows as in PfksLayout
};

}  // namespace fhe
