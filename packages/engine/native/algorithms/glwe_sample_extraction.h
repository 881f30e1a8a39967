// Sample extraction: the constant coefficient of a GLWE as an LWE under the big key.
#pragma once
#include <cstddef>

#include "commons/numeric.h"

namespace fhe {

// Sample extraction of the constant coefficient of a GLWE ((k+1)*N torus values) into an LWE
// under the big key (S_c[j] at c*N + j): k*N mask values and the body.
inline void sample_extract(size_t k, size_t N, const Torus* acc, Torus* out) {
  for (size_t c = 0; c < k; ++c) {
    const Torus* A = acc + c * N;
    out[c * N] = A[0];
    for (size_t t = 1; t < N; ++t) out[c * N + t] = u64(0) - A[N - t];
  }
  out[k * N] = acc[k * N];
}

}  // namespace fhe
