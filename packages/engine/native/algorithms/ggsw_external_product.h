// The external product of a GLWE by a Fourier GGSW, and the CMux built on it, shared by the PBS
// (blind rotation with the bootstrapping key) and the WoP-PBS (vertical packing with
// circuit-bootstrapped GGSWs). One place per idea: both callers go through these, so a GGSW of
// any decomposition (base, levels) is multiplied by the same kernels in the same order.
#pragma once
#include <algorithm>

#include "commons/fft/fft.h"
#include "entities/parameters.h"

namespace fhe {

// acc ((k+1) polys of N) += ExternalProduct(ggsw, C), where C's (k+1) polynomials reach us only
// through the Fourier transforms of their digits: to_fourier(r, f) writes the `levels` signed digit
// polynomials of input polynomial r, transformed (rows [level][N], most significant first; each
// row re M | im M), into f. acc is written only after every digit has been taken, so C may be a
// function of acc (CMux: C = X^a*acc - acc).
// Fourier GGSW: polynomial p = row * (k+1) + c (row = r*levels + level, output poly c), in the
// frequency-blocked layout of entities/fourier_ggsw_layout.h.
// Scratch: fdig (k+1)*levels*N, fout (k+1)*N. pf (optional): memory the transforms pull into
// cache as they go ((k+1)*(levels+1) transforms, FftPlan::prefetch_steps each).
template <typename ToFourier>
inline void external_product_add(const FftPlan& plan, const Kernels& K, size_t k, size_t levels, const double* ggsw,
                                 ToFourier&& to_fourier, Torus* acc, double* fdig, double* fout,
                                 PrefetchStream* pf = nullptr) {
  const size_t N = plan.n, M = plan.m, kp1 = k + 1, rows = kp1 * levels;
  for (size_t r = 0; r < kp1; ++r) to_fourier(r, fdig + r * levels * N);
  K.ext_mac(M, N, rows, kp1, fdig, ggsw, fout);
  for (size_t c = 0; c < kp1; ++c) K.backward_add_torus(plan, fout + c * N, fout + c * N + M, acc + c * N, pf);
}

// acc += ExternalProduct(ggsw, X^a * acc - acc) (a in [0, 2N)): the CMux between acc and X^a*acc
// on the bit that ggsw encrypts (blind rotation step; vertical packing rotation with a = 2N - 2^b).
inline void cmux_rotate(const FftPlan& plan, const Kernels& K, size_t k, const Decomposition& dec, const double* ggsw,
                        size_t a, Torus* acc, double* fdig, double* fout, PrefetchStream* pf = nullptr) {
  const size_t l = dec.level_count.value;
  const unsigned beta = unsigned(dec.base_log.value);
  external_product_add(
      plan, K, k, l, ggsw,
      [&](size_t r, double* f) { K.decompose_rotated_forward(plan, acc + r * plan.n, a, beta, unsigned(l), f, pf); },
      acc, fdig, fout, pf);
}

}  // namespace fhe
