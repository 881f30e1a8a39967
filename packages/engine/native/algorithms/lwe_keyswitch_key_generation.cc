#include "algorithms/lwe_keyswitch_key_generation.h"

#include <cstring>
#include <vector>

#include "commons/noise_sampler.h"
#include "entities/key_layout.h"

namespace fhe {

void generate_ksk_rows(const ClientKey& key, const ChaChaKey& mask_seed, const ChaChaKey& noise_key, Torus* bodies,
                       u32* ksk, size_t row_start, size_t row_end) {
  const Params& p = key.params;
  const KeyLayout L(p);
  const unsigned beta = unsigned(p.ks.base_log.value);
  std::vector<Torus> mask(L.n);
  for (size_t row = row_start; row < row_end; ++row) {
    const size_t i = row / L.l_ks, level = row % L.l_ks;  // level 0 <-> q / B^1
    ChaCha20Stream ms(mask_seed, StreamDomain::KskMask, row);
    ChaCha20Stream ns(noise_key, StreamDomain::KskNoise, row);
    NoiseSampler e(p.lwe_noise, ns);
    ms.fill_u64(mask.data(), L.n);
    Torus b = 0;
    for (size_t j = 0; j < L.n; ++j) b += mask[j] * key.lwe_key[j];
    b += e.sample() + key.glwe_key[i] * (u64(1) << (64 - beta * (level + 1)));
    if (bodies) bodies[row] = b;
    if (ksk) {
      u32* dst = ksk + row * (L.n + 1);
      for (size_t j = 0; j < L.n; ++j) dst[j] = round_to_high32(mask[j]);
      dst[L.n] = round_to_high32(b);
    }
  }
}

void expand_ksk_rows(const Params& p, const ChaChaKey& mask_seed, const Torus* bodies, u32* ksk, size_t row_start,
                     size_t row_end) {
  const KeyLayout L(p);
  std::vector<Torus> mask(L.n);
  for (size_t row = row_start; row < row_end; ++row) {
    ChaCha20Stream ms(mask_seed, StreamDomain::KskMask, row);
    ms.fill_u64(mask.data(), L.n);
    u32* dst = ksk + row * (L.n + 1);
    for (size_t j = 0; j < L.n; ++j) dst[j] = round_to_high32(mask[j]);
    dst[L.n] = round_to_high32(bodies[row]);
  }
}

}  // namespace fhe
