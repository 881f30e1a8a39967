// Noise distributions of encryptions (torus scale 2^64) and the largest ones the samplers draw
// exactly (noise_sampler.h). The bounds come from the security rule's one source
// (@fhenet/params/security-rule.json, compiled into security_rule.h).
#pragma once
#include <cmath>
#include <sstream>
#include <string>

#include "commons/security_rule.h"  // generated (scripts/gen-security-rule.cjs)

namespace fhe {

// TU(b) takes b + 2 random bits of one u64; a Gaussian sample reaches ~8.7 sigma and must round
// into a signed 64-bit integer.
constexpr unsigned kMaxTUniformBoundLog2 = security_rule::kMaxTUniformBoundLog2;
constexpr double kMaxGaussianStdDevLog2 = security_rule::kMaxGaussianStdDevLog2;

struct NoiseDistribution {
  enum Kind { TUniform = 0, Gaussian = 1 } kind = TUniform;
  unsigned bound_log2 = 0;    // TUniform: values in [-2^b, 2^b]
  double std_dev = 0.0;       // Gaussian: integer standard deviation (sigma * 2^64)
  double std_dev_log2 = 0.0;  // Gaussian: log2(std_dev) as the caller gave it (the security rule reads it)

  static NoiseDistribution tuniform(unsigned bound_log2) {
    NoiseDistribution d;
    d.kind = TUniform;
    d.bound_log2 = bound_log2;
    return d;
  }
  static NoiseDistribution gaussian_log2(double std_dev_log2) {
    NoiseDistribution d;
    d.kind = Gaussian;
    d.std_dev = std::exp2(std_dev_log2);
    d.std_dev_log2 = std_dev_log2;
    return d;
  }
  bool operator==(const NoiseDistribution& o) const {
    return kind == o.kind && (kind == TUniform ? bound_log2 == o.bound_log2 : std_dev == o.std_dev);
  }
  bool operator!=(const NoiseDistribution& o) const { return !(*this == o); }
  // "TU(45)" or "Gaussian(sigma=2^44.16)", like @fhenet/params' describeNoise.
  std::string describe() const {
    std::ostringstream os;
    if (kind == TUniform)
      os << "TU(" << bound_log2 << ")";
    else
      os << "Gaussian(sigma=2^" << shortest(std_dev_log2) << ")";
    return os.str();
  }

 private:
  // The shortest decimal that reads back as x (what JavaScript prints): 44.16, not 44.159999999999997.
  static std::string shortest(double x) {
    for (int digits = 6;; ++digits) {
      std::ostringstream os;
      os.precision(digits);
      os << x;
      if (digits >= 17 || std::stod(os.str()) == x) return os.str();
    }
  }
};

}  // namespace fhe
