// AES-128 block encryption, the block function of the tfhe-rs CSPRNG (tfhe-csprng's AES-CTR
// generator). Only encryption is needed. Two implementations giving identical output: AES-NI
// (picked at run time when the CPU has it) and a portable byte-oriented one.
//
// The key is always PUBLIC here (a compression seed that travels with the seeded key or
// ciphertext), so the portable path's table lookups leak nothing secret.
#pragma once
#include "commons/errors.h"
#include "commons/numeric.h"

namespace fhe::tfhers {

class Aes128 {
 public:
  // key: 16 bytes, in the order tfhe-csprng feeds them to AES (the seed's little-endian bytes).
  explicit Aes128(const u8 key[16], bool force_portable = false);
  // out[i] = AES_k(in[i]) for `blocks` 16-byte blocks (in and out may alias).
  void encrypt_blocks(const u8* in, u8* out, size_t blocks) const;
  bool uses_aesni() const { return aesni_; }

 private:
  alignas(16) u8 round_keys_[11 * 16];
  bool aesni_;
};

// True when this CPU has AES-NI (and the build could target it).
bool cpu_has_aesni();

}  // namespace fhe::tfhers
