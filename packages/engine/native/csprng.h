// Cryptographically secure randomness: ChaCha20 (RFC 8439 block function) keyed from the OS.
// Every consumer opens its own stream = (key, domain, index), so secret keys, public masks and
// noise never share a keystream, and a mask can be regenerated from a public seed by index
// (seeded keys) independently of how many threads produced it.
#pragma once
#include <cmath>
#include "common.h"

namespace fhe {

struct ChaChaKey {
  u8 bytes[32];
};

// 32 bytes from getrandom(2) (falls back to /dev/urandom); throws if the OS gives nothing.
ChaChaKey os_random_key();

enum class StreamDomain : u32 {
  SecretKey = 1,
  BskMask = 2,
  BskNoise = 3,
  KskMask = 4,
  KskNoise = 5,
  CiphertextMask = 6,
  CiphertextNoise = 7,
  PfksMask = 8,   // packing keyswitching keys (WoP-PBS, wop.cc)
  PfksNoise = 9,
  Test = 99,
};

class ChaCha20Stream {
 public:
  ChaCha20Stream(const ChaChaKey& key, StreamDomain domain, u64 index);
  ChaCha20Stream(const ChaCha20Stream&) = delete;
  ChaCha20Stream& operator=(const ChaCha20Stream&) = delete;
  ~ChaCha20Stream();
  u64 next_u64() {
    if (pos_ >= 16) refill();
    u64 lo = buf_[pos_], hi = buf_[pos_ + 1];
    pos_ += 2;
    return lo | (hi << 32);
  }
  void fill_u64(u64* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = next_u64();
  }
  // Uniform double in (0, 1) with 53 random bits.
  double next_unit() { return (double(next_u64() >> 11) + 0.5) * 0x1p-53; }

 private:
  void refill();
  u32 state_[16];
  u32 buf_[16];
  unsigned pos_ = 16;
};

// Noise samplers (torus scale 2^64), each drawing only from the stream it is given.
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
