// Integer vocabulary of the engine: torus elements and the small exact helpers on sizes.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fhe {

using u8 = uint8_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i64 = int64_t;

// Torus elements live in Z/2^64: every add/sub/mul is native wrapping u64 arithmetic.
using Torus = u64;

// x rounded to its top 32 bits (mod 2^32): the keyswitching key's words (evaluation_keys.h).
inline u32 round_to_high32(u64 x) { return u32((x + (u64(1) << 31)) >> 32); }

inline bool is_pow2(size_t x) { return x && !(x & (x - 1)); }
// ceil(log2 x) (exact for powers of two).
inline unsigned log2_exact(size_t x) {
  unsigned r = 0;
  while ((size_t(1) << r) < x) ++r;
  return r;
}

}  // namespace fhe
