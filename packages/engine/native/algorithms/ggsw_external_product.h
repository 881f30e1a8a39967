// The external product of a GLWE by a Fourier GGSW, and the CMux built on it, shared by the PBS
// (blind rotation with the bootstrapping key) and the WoP-PBS (vertical packing with
// circuit-bootstrapped GGSWs). One place per idea: both callers go through these, so a GGSW of
// any decomposition (base, levels) is multiplied by the same kernels in the same order.
#pragma once
#include <algorithm>

#include "commons/fft/fft.h"
#include "entities/parameters.h"

namespace fhe {

// Complex points multiplied per pass of the fused multiply-accumulate: the (k+1) output chunks
// (2 x 2 KiB each) stay in L1 while all (k+1)*l rows are accumulated into them.
constexpr size_t kMacChunk = 128;
constexpr size_t kMacL1Bytes = 24 * 1024;

// acc ((k+1) polys of N) += ExternalProduct(ggsw, C), where C's (k+1) polynomials reach us only
// through the Fourier transforms of their digits: to_fourier(r, f) writes the `levels` signed digit
// polynomials of input polynomial r, transformed (rows [level][N], most significant first; each
// row re M | im M), into f. acc is written only after every digit has been taken, so C may be a
// function of acc (CMux: C = X^a*acc - acc).
// Fourier GGSW layout: [row = r*levels + level][output poly c][re M | im M].
// Scratch: fdig (k+1)*levels*N, fout (k+1)*N. pf (optional): memory the transforms pull into
// cache as they go ((k+1)*(levels+1) transforms, FftPlan::prefetch_steps each).
template <typename ToFourier>
inline void external_product_add(const FftPlan& plan, const Kernels& K, size_t k, size_t levels, const double* ggsw,
                                 ToFourier&& to_fourier, Torus* acc, double* fdig, double* fout,
                                 PrefetchStream* pf = nullptr) {
  const size_t N = plan.n, M = plan.m, kp1 = k + 1, rows = kp1 * levels;
  for (size_t r = 0; r < kp1; ++r) to_fourier(r, fdig + r * levels * N);
  if (k == 1) {
    K.ext_mac_k1(M, N, rows, fdig, ggsw, fout);
    for (size_t c = 0; c < kp1; ++c) K.backward_add_torus(plan, fout + c * N, fout + c * N + M, acc + c * N, pf);
    return;
  }
  // Frequency chunks whose (k+1) output slices fit in L1 (kMacL1Bytes), rows outer within a chunk:
  // when the whole polynomials fit (N <= 1024 at k = 2, N <= 512 at k = 4), the GGSW is read in
  // one sequential pass that the hardware prefetcher follows. Per point the sum still runs over
  // the rows in order from zero (same bits as any other chunking).
  const size_t chunk = std::min(M, std::max(kMacChunk, kMacL1Bytes / (kp1 * 2 * sizeof(double))));
  for (size_t j0 = 0; j0 < M; j0 += chunk) {
    const size_t len = std::min(chunk, M - j0);
    for (size_t c = 0; c < kp1; ++c)
      for (size_t j = 0; j < len; ++j) fout[c * N + j0 + j] = fout[c * N + M + j0 + j] = 0;
    for (size_t row = 0; row < rows; ++row) {
      const double* f = fdig + row * N;
      for (size_t c = 0; c < kp1; ++c) {
        const double* b = ggsw + (row * kp1 + c) * N;
        K.mac(len, fout + c * N + j0, fout + c * N + M + j0, f + j0, f + M + j0, b + j0, b + M + j0);
      }
    }
  }
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
