// Sample extraction: one coefficient of a GLWE (the constant one after a PBS) as an LWE under the big key.
#pragma once
#include <cstddef>

#include "commons/numeric.h"

namespace fhe {

// Sample extraction of coefficient c (< N) of a GLWE ((k+1)*N torus values) into an LWE under the
// big key (S_a[j] at a*N + j): coefficient c of A_a * S_a is sum_j A_a[c - j] S_a[j] with the
// negacyclic wrap -A_a[N + c - j] for j > c, so those are the mask values; the body is B[c].
inline void sample_extract_at(size_t k, size_t N, const Torus* acc, size_t c, Torus* out) {
  for (size_t a = 0; a < k; ++a) {
    const Torus* A = acc + a * N;
    Torus* o = out + a * N;
    for (size_t j = 0; j <= c; ++j) o[j] = A[c - j];
    for (size_t j = c + 1; j < N; ++j) o[j] = u64(0) - A[N + c - j];
  }
  out[k * N] = acc[k * N + c];
}

// The constant coefficient: the PBS output.
inline void sample_extract(size_t k, size_t N, const Torus* acc, Torus* out) { sample_extract_at(k, N, acc, 0, out); }

}  // namespace fhe
