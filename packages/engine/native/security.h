// 128-bit security floor (reference: Concrete's lattice-estimator curve for binary secrets,
// q = 2^64): log2(sigma/q) >= -0.025696778711484593*n + 2.675931372549016, integer sigma >= 4,
// n >= 450; for TUniform the tfhe-rs bound b >= ceil(-0.025167785*n + 64 + 4.100671) (and b >= 3,
// i.e. std dev >= 4). Checked natively before any key is made, whatever the caller checked.
#pragma once
#include <cmath>
#include "common.h"

namespace fhe {

inline void check_noise_secure(const NoiseDistribution& nd, size_t dim, const char* what) {
  FHE_CHECK(dim >= 450, "insecure parameters: ", what, " dimension ", dim, " < 450 is refused outright");
  if (nd.kind == NoiseDistribution::TUniform) {
    const double raw = std::ceil(-0.025167785 * double(dim) + 64 + 4.100671);
    const unsigned min_b = unsigned(std::max(3.0, raw));
    FHE_CHECK(nd.bound_log2 >= min_b, "insecure parameters: ", what, " noise TU(", nd.bound_log2,
              ") below the 128-bit bound TU(", min_b, ") for dimension ", dim);
  } else {
    const double min_log2 = std::max(2.0, 64 + (-0.025696778711484593 * double(dim) + 2.675931372549016));
    FHE_CHECK(std::log2(nd.std_dev) >= min_log2 - 1e-9, "insecure parameters: ", what,
              " Gaussian log2(std dev) ", std::log2(nd.std_dev), " below the 128-bit bound ", min_log2,
              " for dimension ", dim);
  }
}

inline void check_secure(const Params& p) {
  check_noise_secure(p.lwe_noise, p.lwe_dimension.value, "LWE");
  check_noise_secure(p.glwe_noise, p.big_lwe_dimension().value, "GLWE (k*N)");
}

}  // namespace fhe
