// The formulas are written in the same order of operations as security.ts, and nothing here may be
// contracted into fused multiply-adds (JavaScript never does), so both sides compute the same
// doubles from the same constants.
#pragma GCC optimize("fp-contract=off")
#include "commons/security.h"

#include <algorithm>
#include <iomanip>

#include "commons/errors.h"

namespace fhe {

namespace R = security_rule;

namespace {
constexpr double kModulusLog2 = 64;  // q = 2^64: native u64 torus arithmetic
}

double concrete_min_std_dev_log2(size_t dimension) {
  return std::max(R::kConcreteMinStdDevLog2, kModulusLog2 + R::kConcreteSlope * double(dimension) + R::kConcreteIntercept);
}

double tfhers_min_gaussian_std_dev_log2(size_t dimension) {
  const double variance =
      std::exp2(R::kTfheRsVarianceFloorLog2) + std::exp2(R::kTfheRsVarianceIntercept + R::kTfheRsVarianceSlope * double(dimension));
  return std::log2(variance) / 2 + kModulusLog2;
}

unsigned tfhers_min_tuniform_bound_log2(size_t dimension) {
  constexpr double intercept = kModulusLog2 + R::kTfheRsBoundOffset;
  return unsigned(std::max(0.0, std::ceil(R::kTfheRsBoundSlope * double(dimension) + intercept)));
}

double noise_std_dev_log2(const NoiseDistribution& noise) {
  if (noise.kind == NoiseDistribution::Gaussian) return noise.std_dev_log2;
  const double variance = (std::exp2(2.0 * noise.bound_log2 + 1) + 1) / 6;  // TU(b), integer units
  return std::log2(variance) / 2;
}

std::string noise_security_problem(const NoiseDistribution& noise, size_t dimension, const char* key) {
  const double std_dev_log2 = noise_std_dev_log2(noise);
  std::ostringstream os;
  os << key << " key (dimension " << dimension << ", noise " << noise.describe() << ", sigma = 2^" << std::fixed
     << std::setprecision(4) << std_dev_log2 << "): ";
  if (dimension < R::kMinDimension) {
    os << "dimension " << dimension << " < " << R::kMinDimension << " is refused outright (no security estimate there)";
    return os.str();
  }
  std::string problems;
  const double concrete = concrete_min_std_dev_log2(dimension);
  if (!(std_dev_log2 >= concrete)) {
    std::ostringstream p;
    p << "sigma must be >= 2^" << std::fixed << std::setprecision(4) << concrete << " (128-bit Concrete curve)";
    problems += p.str();
  }
  std::ostringstream p;
  if (noise.kind == NoiseDistribution::TUniform) {
    const unsigned min_b = tfhers_min_tuniform_bound_log2(dimension);
    if (noise.bound_log2 < min_b) p << "TUniform bound must be >= TU(" << min_b << ") (tfhe-rs 132-bit line)";
  } else {
    const double min_log2 = tfhers_min_gaussian_std_dev_log2(dimension);
    if (!(noise.std_dev_log2 >= min_log2 - R::kTfheRsRoundingToleranceLog2))
      p << "sigma must be >= 2^" << std::fixed << std::setprecision(4) << min_log2 << " (tfhe-rs 132-bit line)";
  }
  if (!p.str().empty()) problems += (problems.empty() ? "" : "; ") + p.str();
  return problems.empty() ? std::string() : os.str() + problems;
}

void check_noise_secure(const NoiseDistribution& noise, size_t dimension, const char* key) {
  const std::string problem = noise_security_problem(noise, dimension, key);
  FHE_CHECK(problem.empty(), "insecure parameters: ", problem);
}

}  // namespace fhe
