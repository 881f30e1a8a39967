// tfhe-rs (node-tfhe 1.7) objects -> this engine's entities, and back for ciphertexts.
// Seeded masks are regenerated with the tfhe-rs CSPRNG (tfhers_csprng.h) following tfhe-rs's
// fork structure; key layouts are converted (tfhe-rs stores decomposition levels smallest
// first, GGSW rows level-major; see docs/tfhe-rs-formats.md), never assumed equal to ours.
#pragma once
#include <functional>
#include <vector>

#include "algorithms/tfhers_format.h"
#include "entities/evaluation_keys.h"
#include "entities/lwe_ciphertext_batch.h"

namespace fhe::tfhers {

// Mask of a seeded LWE ciphertext of dimension `dimension`: the first `dimension` u64 of the seed's
// stream (tfhe-rs decompress_seeded_lwe_ciphertext, native modulus).
void seeded_lwe_mask(const CompressionSeed& seed, size_t dimension, Torus* mask);

// A node-tfhe CompressedCiphertext -> the bytes of the Ciphertext tfhe-rs decompresses it into
// (Shortint.decompress_ciphertext; bit-identical, tested).
std::vector<u8> decompress_ciphertext_bytes(const u8* src, size_t len, const Params& p);

// node-tfhe Ciphertexts (or CompressedCiphertexts) -> one batch of big-key LWE ciphertexts.
struct ByteSpan {
  const u8* data;
  size_t len;
};
std::unique_ptr<LweCiphertextBatch> read_ciphertexts(const std::vector<ByteSpan>& items, const Params& p,
                                                     bool compressed);
// Our batch -> one node-tfhe Ciphertext per entry (metadata: output_meta, padding bit visible).
std::vector<std::vector<u8>> write_ciphertexts(const LweCiphertextBatch& batch, const Params& p);

// node-tfhe CompressedServerKey -> evaluation keys ready for keyswitch + PBS (Fourier BSK).
// progress(done, total), if given, is called from pool threads (thread-safe, cheap) about every
// 1% of the work units (keyswitch-key chunks, then GGSWs) and once at the end.
using ExpandProgress = std::function<void(size_t done, size_t total)>;
std::unique_ptr<EvaluationKeys> expand_server_key(const u8* src, size_t len, const Params& p,
                                                  const ExpandProgress* progress = nullptr);

}  // namespace fhe::tfhers
