// The tfhe-rs CSPRNG (crate tfhe-csprng, AES-CTR generator), bit-exact: what tfhe-rs uses to
// derive the public masks of seeded ("compressed") keys and ciphertexts from a compression seed.
//
// Model (tfhe-csprng generators/aes_ctr): the generator reads a pseudo-random table whose entry
// (aes_index, byte_index) is byte `byte_index` (0..15) of AES_k(aes_index), the 128-bit counter
// encoded little-endian. A generator starts at a table index and outputs consecutive bytes.
// Forking into c children of b bytes each hands child i the range [start + i*b, start + (i+1)*b)
// and moves the parent past all of them, so a fork never changes WHICH bytes come out, only who
// reads them: this is why seeded entities can be expanded in parallel, child by child.
// A mask element of the native modulus 2^64 is 8 consecutive bytes read little-endian.
#pragma once
#include <memory>

#include "commons/tfhers_aes.h"

namespace fhe::tfhers {

using u128 = unsigned __int128;

constexpr size_t kBytesPerAesCall = 16;

struct TableIndex {
  u128 aes_index = 0;
  unsigned byte_index = 0;  // 0..15
  // This index moved forward by `bytes` (wrapping over the 2^132-byte table like tfhe-csprng).
  TableIndex increased(u128 bytes) const;
};

class AesCtrGenerator {
 public:
  // A generator keyed by the 16 key bytes, reading from `first` on; `remaining` bytes may be read
  // (tfhe-csprng's bound; the unbounded default saturates at 2^128 - 1 like its ByteCount).
  AesCtrGenerator(const u8 key[16], TableIndex first, bool force_portable_aes = false);

  void fill_bytes(u8* out, size_t len);
  // `count` uniform elements of Z/2^64 (native modulus): 8 bytes each, little-endian.
  void fill_u64(u64* out, size_t count);

  // Child `i` of tfhe-csprng's try_fork(children, bytes_per_child), by random access: a generator
  // bounded to bytes [next + i*b, next + (i+1)*b). The parent does not move (tfhe-rs's would skip
  // all children; nothing here reads the parent after a fork). Lets independent workers expand
  // different children of one seeded entity. Throws (naming the numbers) when the parent has
  // fewer bytes left than the fork needs.
  AesCtrGenerator child(u64 i, u64 children, u64 bytes_per_child) const;

  TableIndex next_index() const { return next_; }
  u128 remaining() const { return remaining_; }
  bool uses_aesni() const { return cipher_->uses_aesni(); }

 private:
  AesCtrGenerator(std::shared_ptr<const Aes128> cipher, TableIndex first, u128 remaining)
      : cipher_(std::move(cipher)), next_(first), remaining_(remaining) {}
  std::shared_ptr<const Aes128> cipher_;
  TableIndex next_;
  u128 remaining_;
};

}  // namespace fhe::tfhers
