#include "algorithms/client_key_generation.h"

#include "entities/key_layout.h"

namespace fhe {

std::unique_ptr<ClientKey> generate_client_key(const Params& params) {
  params.validate();
  auto key = std::make_unique<ClientKey>();
  key->params = params;
  const KeyLayout L(params);
  key->lwe_key.resize(L.n);
  key->glwe_key.resize(L.big);
  // Uniform binary keys from their own stream, keyed by fresh OS randomness.
  const ChaChaKey sk_seed = os_random_key();
  {
    ChaCha20Stream s(sk_seed, StreamDomain::SecretKey, 0);
    for (size_t i = 0; i < L.n; ++i) key->lwe_key[i] = s.next_u64() & 1;
  }
  {
    ChaCha20Stream s(sk_seed, StreamDomain::SecretKey, 1);
    for (size_t i = 0; i < L.big; ++i) key->glwe_key[i] = s.next_u64() & 1;
  }
  key->enc_mask_key = os_random_key();
  key->enc_noise_key = os_random_key();
  return key;
}

}  // namespace fhe
