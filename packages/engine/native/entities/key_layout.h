// Sizes of a parameter set's key material, derived from the parameters only: every reader
// validates lengths against them, every allocation of key material uses them.
#pragma once
#include "entities/fourier_ggsw_layout.h"
#include "entities/parameters.h"

namespace fhe {

struct KeyLayout {
  size_t n, k, N, l_pbs, l_ks, big;
  explicit KeyLayout(const Params& p)
      : n(p.lwe_dimension.value), k(p.glwe_dimension.value), N(p.polynomial_size.value),
        l_pbs(p.pbs.level_count.value), l_ks(p.ks.level_count.value), big(k * N) {}
  size_t ggsw_rows() const { return (k + 1) * l_pbs; }
  // Standard-domain bodies of the whole bootstrapping key (seeded form).
  size_t bsk_body_len() const { return n * ggsw_rows() * N; }
  // Fourier form: every GLWE polynomial (masks and body) of every row, N doubles each.
  // Where each value of one Fourier GGSW sits (frequency-blocked).
  FourierGgswLayout fourier_ggsw_layout() const { return {ggsw_rows() * (k + 1), N / 2}; }
  size_t fourier_ggsw_len() const { return fourier_ggsw_layout().len(); }
  size_t fourier_bsk_len() const { return n * fourier_ggsw_len(); }
  size_t ksk_rows() const { return big * l_ks; }
  size_t ksk_len() const { return ksk_rows() * (n + 1); }
};

}  // namespace fhe
