// Noise samplers: TUniform and Gaussian (Box-Muller) samples on the torus (scale 2^64), each
// drawing only from the ChaCha20 stream it is given.
#pragma once
#include <cmath>

#include "commons/csprng.h"
#include "commons/noise_distribution.h"

namespace fhe {

class NoiseSampler {
 public:
  NoiseSampler(const NoiseDistribution& dist, ChaCha20Stream& stream) : dist_(dist), s_(stream) {}
  Torus sample() {
    if (dist_.kind == NoiseDistribution::TUniform) {
      // TU(b): b+2 random bits r -> (r>>1) + (r&1) - 2^b: every value of [-2^b, 2^b] has
      // probability 2^-(b+1), both ends 2^-(b+2).
      // b <= kMaxTUniformBoundLog2 = 62 (Params::validate): at b = 62 all 64 bits are used, and
      // the mask must not be computed as 1 << 64 (undefined; on x86 it gave r = 0, so every
      // sample was -2^62 and the keys' noise was public).
      const unsigned b = dist_.bound_log2;
      const u64 mask = b + 2 >= 64 ? ~u64(0) : (u64(1) << (b + 2)) - 1;
      const u64 r = s_.next_u64() & mask;
      return (r >> 1) + (r & 1) - (u64(1) << b);
    }
    if (has_spare_) {
      has_spare_ = false;
      return round_to_torus(spare_);
    }
    // Box-Muller: two independent N(0,1) samples from two uniforms.
    const double u1 = s_.next_unit(), u2 = s_.next_unit();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2) * dist_.std_dev;
    has_spare_ = true;
    return round_to_torus(r * std::cos(2.0 * M_PI * u2) * dist_.std_dev);
  }

 private:
  static Torus round_to_torus(double x) { return static_cast<u64>(static_cast<i64>(std::llround(x))); }
  NoiseDistribution dist_;
  ChaCha20Stream& s_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace fhe
