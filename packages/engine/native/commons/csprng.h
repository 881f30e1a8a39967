// Cryptographically secure randomness: ChaCha20 (RFC 8439 block function) keyed from the OS.
// Every consumer opens its own stream = (key, domain, index), so secret keys, public masks and
// noise never share a keystream, and a mask can be regenerated from a public seed by index
// (seeded keys) independently of how many threads produced it.
#pragma once
#include "commons/errors.h"
#include "commons/numeric.h"

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
  PfksMask = 8,   // packing keyswitching keys (WoP-PBS, lwe_packing_keyswitch_key_generation.cc)
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

}  // namespace fhe
