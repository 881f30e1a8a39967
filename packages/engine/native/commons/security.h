// The 128-bit security rule (tfhe-parameters.md "Security"), the same formulas and constants as
// @fhenet/params security.ts: both read @fhenet/params/security-rule.json (compiled into
// security_rule.h), and test/security-rule.test.ts asserts the same verdict on a grid of sets.
// A key passes when its noise clears BOTH lines:
//  1. Concrete's 128-bit curve: log2(sigma) >= max(2, 64 - 0.0257*n + 2.676) (integer sigma);
//     TU(b) is compared through its standard deviation sqrt((2^(2b+1)+1)/6);
//  2. tfhe-rs's 132-bit line: TU(b) needs b >= ceil(-0.02517*n + 68.1); a Gaussian needs variance
//     >= 2^-124 + 2^(5.315 - 0.04978*n), with 0.005 of slack on log2 sigma (the published table
//     rounds log2 sigma to two decimals and sits on this line).
// Dimensions below 450 are refused outright. GLWE keys use n = k*N. The engine checks every set
// that reaches it (bindings: parse_params) before any key exists, whatever the caller checked.
#pragma once
#include <cstddef>

#include "commons/noise_distribution.h"

namespace fhe {

// Curve (1): the minimum log2 of the integer standard deviation at `dimension`.
double concrete_min_std_dev_log2(size_t dimension);
// Line (2), Gaussian noise: the minimum log2 sigma (before the rounding slack).
double tfhers_min_gaussian_std_dev_log2(size_t dimension);
// Line (2), TUniform noise: the minimum bound b.
unsigned tfhers_min_tuniform_bound_log2(size_t dimension);
// log2 of the noise's integer standard deviation (TUniform: of its uniform law).
double noise_std_dev_log2(const NoiseDistribution& noise);

// Empty when the key (`key`: "LWE" or "GLWE") of this dimension and noise is secure; otherwise
// why not, naming the key, its dimension, its noise and every minimum it misses.
std::string noise_security_problem(const NoiseDistribution& noise, size_t dimension, const char* key);
// Throws EngineError("insecure parameters: ...") unless noise_security_problem is empty.
void check_noise_secure(const NoiseDistribution& noise, size_t dimension, const char* key);

}  // namespace fhe
