#include "algorithms/lwe_encryption.h"

#include <vector>

#include "commons/noise_sampler.h"
#include "commons/thread_pool.h"

namespace fhe {

std::unique_ptr<LweCiphertextBatch> encrypt_big(const ClientKey& key, const i64* messages, size_t count) {
  std::vector<Torus> plain(count);
  for (size_t i = 0; i < count; ++i) plain[i] = u64(messages[i]) * key.params.delta();
  return encrypt_big_torus(key, plain.data(), count);
}

std::unique_ptr<LweCiphertextBatch> encrypt_big_torus(const ClientKey& key, const Torus* plaintexts, size_t count) {
  const Params& p = key.params;
  const size_t d = p.big_lwe_dimension().value;
  auto out = std::make_unique<LweCiphertextBatch>(p.big_lwe_dimension(), count);
  const u64 base = const_cast<ClientKey&>(key).enc_counter.fetch_add(count);
  const Torus* s = key.glwe_key.data();
  ThreadPool::global().parallel_for(count, [&](size_t i, size_t) {
    Torus* ct = out->ct(i);
    ChaCha20Stream mask(key.enc_mask_key, StreamDomain::CiphertextMask, base + i);
    ChaCha20Stream noise(key.enc_noise_key, StreamDomain::CiphertextNoise, base + i);
    // Big-key encryptions use the GLWE noise (secure for dimension k*N), as tfhe-rs does.
    NoiseSampler e(p.glwe_noise, noise);
    mask.fill_u64(ct, d);
    Torus b = 0;
    for (size_t j = 0; j < d; ++j) b += ct[j] * s[j];
    ct[d] = b + plaintexts[i] + e.sample();
  });
  return out;
}

static void check_key_batch(const ClientKey& key, const LweCiphertextBatch& batch) {
  FHE_CHECK(batch.dimension == key.params.big_lwe_dimension(),
            "Mismatched LweDimension. Key (k*N): ", key.params.big_lwe_dimension().value,
            ", ciphertexts: ", batch.dimension.value);
}

void decrypt_phase(const ClientKey& key, const LweCiphertextBatch& batch, Torus* out) {
  check_key_batch(key, batch);
  const size_t d = batch.dimension.value;
  const Torus* s = key.glwe_key.data();
  for (size_t i = 0; i < batch.count; ++i) {
    const Torus* ct = batch.ct(i);
    Torus dot = 0;
    for (size_t j = 0; j < d; ++j) dot += ct[j] * s[j];
    out[i] = ct[d] - dot;
  }
}

void decrypt_decode(const ClientKey& key, const LweCiphertextBatch& batch, i64* out) {
  std::vector<Torus> phase(batch.count);
  decrypt_phase(key, batch, phase.data());
  const unsigned shift = 63 - key.params.message_bits;  // delta = 2^shift
  const u64 mod2p_mask = (u64(2) << key.params.message_bits) - 1;
  for (size_t i = 0; i < batch.count; ++i) {
    const u64 rounded = (phase[i] >> shift) + ((phase[i] >> (shift - 1)) & 1);
    out[i] = i64(rounded & mod2p_mask);
  }
}

}  // namespace fhe
