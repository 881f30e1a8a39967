#include "commons/tfhers_csprng.h"

#include <algorithm>
#include <cstring>

namespace fhe::tfhers {

namespace {
constexpr u128 kUnbounded = ~u128(0);
std::string u128_str(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) { s.insert(s.begin(), char('0' + int(v % 10))); v /= 10; }
  return s;
}
}  // namespace

TableIndex TableIndex::increased(u128 bytes) const {
  TableIndex t;
  const unsigned sum = byte_index + unsigned(bytes % kBytesPerAesCall);
  t.aes_index = aes_index + bytes / kBytesPerAesCall + sum / kBytesPerAesCall;  // wraps mod 2^128
  t.byte_index = sum % kBytesPerAesCall;
  return t;
}

AesCtrGenerator::AesCtrGenerator(const u8 key[16], TableIndex first, bool force_portable_aes)
    : cipher_(std::make_shared<Aes128>(key, force_portable_aes)), next_(first), remaining_(kUnbounded) {
  FHE_CHECK(first.byte_index < kBytesPerAesCall, "tfhe-rs CSPRNG: byte index must be < 16, got ", first.byte_index);
}

void AesCtrGenerator::fill_bytes(u8* out, size_t len) {
  FHE_CHECK(u128(len) <= remaining_, "tfhe-rs CSPRNG: generator bound reached: ", len, " bytes requested, only ",
            u128_str(remaining_), " left");
  // Encrypt up to 64 consecutive counters at a time, then copy the wanted bytes.
  constexpr size_t kBatch = 64;
  alignas(16) u8 in[kBatch * 16], ks[kBatch * 16];
  while (len > 0) {
    const size_t skip = next_.byte_index;
    const size_t blocks = std::min(kBatch, (skip + len + 15) / 16);
    for (size_t b = 0; b < blocks; ++b) {
      u128 ctr = next_.aes_index + b;
      for (int j = 0; j < 16; ++j) { in[16 * b + j] = u8(ctr); ctr >>= 8; }
    }
    cipher_->encrypt_blocks(in, ks, blocks);
    const size_t take = std::min(len, blocks * 16 - skip);
    std::memcpy(out, ks + skip, take);
    out += take;
    len -= take;
    next_ = next_.increased(take);
    if (remaining_ != kUnbounded) remaining_ -= take;
  }
}

void AesCtrGenerator::fill_u64(u64* out, size_t count) {
  fill_bytes(reinterpret_cast<u8*>(out), count * 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (size_t i = 0; i < count; ++i) out[i] = __builtin_bswap64(out[i]);
#endif
}

AesCtrGenerator AesCtrGenerator::child(u64 i, u64 children, u64 bytes_per_child) const {
  FHE_CHECK(children > 0 && bytes_per_child > 0, "tfhe-rs CSPRNG: fork needs children > 0 and bytes per child > 0, got ",
            children, " and ", bytes_per_child);
  FHE_CHECK(i < children, "tfhe-rs CSPRNG: child ", i, " of a fork into ", children);
  const u128 total = u128(children) * bytes_per_child;
  FHE_CHECK(total <= remaining_, "tfhe-rs CSPRNG: fork too large: ", children, " children x ", bytes_per_child,
            " bytes, only ", u128_str(remaining_), " bytes left");
  return AesCtrGenerator(cipher_, next_.increased(u128(i) * bytes_per_child), bytes_per_child);
}

}  // namespace fhe::tfhers
