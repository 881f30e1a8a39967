// Entities: data only. Algorithms over them live in lwe.cc, keyswitch.cc, bootstrap.cc.
#pragma once
#include <atomic>
#include <cstring>
#include "common.h"
#include "csprng.h"

namespace fhe {

// Overwrite secret material before freeing it.
inline void wipe(void* p, size_t bytes) {
  volatile u8* v = static_cast<volatile u8*>(p);
  for (size_t i = 0; i < bytes; ++i) v[i] = 0;
}

// Client key: the binary small LWE key (dimension n) and the binary GLWE key (k polynomials of N
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

// A batch of LWE ciphertexts of one dimension, stored contiguously: [a_0 .. a_{d-1}, b] each.
struct LweCiphertextBatch {
  LweDimension dimension{0};
  size_t count = 0;
  AlignedBuffer<Torus> data;
  LweCiphertextBatch(LweDimension d, size_t c) : dimension(d), count(c), data(c * (d.value + 1)) {}
  size_t stride() const { return dimension.value + 1; }
  Torus* ct(size_t i) { return data.data() + i * stride(); }
  const Torus* ct(size_t i) const { return data.data() + i * stride(); }
};

// Sizes of the key material, derived from the parameters only (used to validate every length).
struct KeyLayout {
  size_t n, k, N, l_pbs, l_ks, big;
  explicit KeyLayout(const Params& p)
      : n(p.lwe_dimension.value), k(p.glwe_dimension.value), N(p.polynomial_size.value),
        l_pbs(p.pbs.level_count.value), l_ks(p.ks.level_count.value), big(k * N) {}
  size_t ggsw_rows() const { return (k + 1) * l_pbs; }
  // Standard-domain bodies of the whole bootstrapping key (seeded form).
  size_t bsk_body_len() const { return n * ggsw_rows() * N; }
  // Fourier form: every GLWE polynomial (masks and body) of every row, N doubles each.
  size_t fourier_ggsw_len() const { return ggsw_rows() * (k + 1) * N; }
  size_t fourier_bsk_len() const { return n * fourier_ggsw_len(); }
  size_t ksk_rows() const { return big * l_ks; }
  size_t ksk_len() const { return ksk_rows() * (n + 1); }
};

// Evaluation keys in compressed transfer form: masks are regenerated from mask_seed (public).
struct SeededEvaluationKeys {
  Params params;
  ChaChaKey mask_seed;
  AlignedBuffer<Torus> bsk_bodies;  // [ggsw i][row][N]
  AlignedBuffer<Torus> ksk_bodies;  // [big i][level]
};

// Evaluation keys ready for computation: Fourier bootstrapping key and full keyswitching key.
// Holds no secret: there is no path from here to the client key.
struct EvaluationKeys {
  Params params;
  AlignedBuffer<double> fourier_bsk;  // [ggsw i][row (r, level)][poly c][re M | im M]
  AlignedBuffer<Torus> ksk;           // [big i][level][a_0 .. a_{n-1}, b]
};

}  // namespace fhe
