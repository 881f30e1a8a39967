// Transforming one polynomial of a GGSW into its place in a Fourier GGSW (entities/
// fourier_ggsw_layout.h): what the bootstrapping key's generation and expansion, the tfhe-rs key
// import and the circuit bootstrap each do per polynomial.
#pragma once
#include "commons/aligned_buffer.h"
#include "commons/fft/fft.h"
#include "entities/fourier_ggsw_layout.h"

namespace fhe {

// Forward transform of the torus polynomial `src` (N = plan.n coefficients) into polynomial p of
// `ggsw`. Thread-safe: the split-form scratch is per thread.
inline void forward_torus_into_ggsw(const FftPlan& plan, const Kernels& K, const FourierGgswLayout& G, const Torus* src,
                                    double* ggsw, size_t p) {
  thread_local AlignedBuffer<double> split;
  if (split.size() < plan.n) split.resize(plan.n);
  K.forward_torus(plan, src, split.data(), split.data() + plan.m);
  G.store(ggsw, p, split.data(), split.data() + plan.m);
}

}  // namespace fhe
