// The client key: the only secret entity. Algorithms over it: algorithms/client_key_generation.h,
// algorithms/lwe_encryption.h; its format: algorithms/serialization.h.
#pragma once
#include <atomic>

#include "commons/aligned_buffer.h"
#include "commons/csprng.h"
#include "entities/parameters.h"

namespace fhe {

// The binary small LWE key (dimension n) and the binary GLWE key (k polynomials of N
// coefficients), whose coefficients are also the big LWE key of dimension k*N. Never serialized
// anywhere except by serialize_client_key, never printed.
struct ClientKey {
  Params params;
  AlignedBuffer<Torus> lwe_key;   // n values in {0, 1}
  AlignedBuffer<Torus> glwe_key;  // k*N values in {0, 1}; big key coefficient c*N + j = S_c[j]
  // Per-instance OS-random stream keys for fresh encryptions (never persisted).
  ChaChaKey enc_mask_key, enc_noise_key;
  std::atomic<u64> enc_counter{0};
  ~ClientKey() {
    if (lwe_key.data()) wipe(lwe_key.data(), lwe_key.size() * sizeof(Torus));
    if (glwe_key.data()) wipe(glwe_key.data(), glwe_key.size() * sizeof(Torus));
    wipe(&enc_mask_key, sizeof enc_mask_key);
    wipe(&enc_noise_key, sizeof enc_noise_key);
  }
};

}  // namespace fhe
