#include "algorithms/lwe_keyswitch.h"

#include <algorithm>

#include "commons/fft/fft.h"
#include "entities/key_layout.h"

namespace fhe {

void keyswitch(const Params& p, const u32* ksk, const Torus* in, u32* out, i64* digits) {
  const KeyLayout L(p);
  const Kernels& K = kernels();
  K.decompose(L.big, in, unsigned(p.ks.base_log.value), unsigned(L.l_ks), digits);
  for (size_t j = 0; j < L.n; ++j) out[j] = 0;
  out[L.n] = round_to_high32(in[L.big]);
  // out = (0, b) - sum_i sum_level digit * KSK[i][level]
  for (size_t i = 0; i < L.big; ++i) {
    for (size_t level = 0; level < L.l_ks; ++level) {
      const i64 d = digits[level * L.big + i];
      if (d != 0) K.axpy32(L.n + 1, out, ksk + (i * L.l_ks + level) * (L.n + 1), u32(-d));
    }
  }
}

void keyswitch_group(const Params& p, const u32* ksk, const Torus* const* ins, u32* const* outs, size_t count,
                     i64* digits) {
  const KeyLayout L(p);
  const Kernels& K = kernels();
  const size_t row_len = L.n + 1;
  for (size_t g = 0; g < count; ++g) {
    for (size_t j = 0; j < L.n; ++j) outs[g][j] = 0;
    outs[g][L.n] = round_to_high32(ins[g][L.big]);
  }
  for (size_t i0 = 0; i0 < L.big; i0 += kKeyswitchChunk) {
    const size_t len = std::min(kKeyswitchChunk, L.big - i0);
    // Digits of this chunk for every ciphertext: [g][level][t] (decomposition is elementwise, so
    // chunking gives exactly the digits of the whole-vector call).
    for (size_t g = 0; g < count; ++g)
      K.decompose(len, ins[g] + i0, unsigned(p.ks.base_log.value), unsigned(L.l_ks), digits + g * L.l_ks * len);
    for (size_t t = 0; t < len; ++t) {
      for (size_t level = 0; level < L.l_ks; ++level) {
        const u32* row = ksk + ((i0 + t) * L.l_ks + level) * row_len;
        for (size_t g = 0; g < count; ++g) {
          const i64 d = digits[(g * L.l_ks + level) * len + t];
          if (d != 0) K.axpy32(row_len, outs[g], row, u32(-d));
        }
      }
    }
  }
}

}  // namespace fhe
