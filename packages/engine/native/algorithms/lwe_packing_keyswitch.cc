#include "algorithms/lwe_packing_keyswitch.h"

#include <algorithm>

#include "commons/fft/fft.h"

namespace fhe {

void pfks_apply_group(const PackingKeyswitchKeys& keys, size_t c, const Torus* const* ins, Torus* const* outs,
                      size_t count, i64* digits) {
  const PfksLayout L(keys.wop);
  FHE_CHECK(c <= L.k, "PFKS key index ", c, " out of range (k+1 = ", L.k + 1, " keys)");
  const Kernels& K = kernels();
  const size_t rl = L.row_len(), in_len = L.inputs(c), levels = L.levels;
  const unsigned beta = unsigned(keys.wop.pfks.base_log.value);
  for (size_t g = 0; g < count; ++g)
    for (size_t t = 0; t < rl; ++t) outs[g][t] = 0;
  const Torus* key_c = keys.data.data() + L.first_row(c) * rl;
  // out = -sum_a sum_j dec_j(x_a) K_c[a][j], x = (a_0 .. a_{kN-1}, b) for c < k (the identity
  // key adds b to the body instead of decomposing it, below): chunks of input
  // coefficients so the digits of every ciphertext stay in L1, each key row applied to the whole
  // group while it is in cache (the keys are hundreds of MiB: streamed once per group).
  for (size_t a0 = 0; a0 < in_len; a0 += kPfksChunk) {
    const size_t len = std::min(kPfksChunk, in_len - a0);
    for (size_t g = 0; g < count; ++g) K.decompose(len, ins[g] + a0, beta, unsigned(levels), digits + g * levels * len);
    for (size_t t = 0; t < len; ++t) {
      for (size_t level = 0; level < levels; ++level) {
        const Torus* row = key_c + ((a0 + t) * levels + level) * rl;
        for (size_t g = 0; g < count; ++g) {
          const i64 d = digits[(g * levels + level) * len + t];
          if (d != 0) K.axpy(rl, outs[g], row, u64(-d));
        }
      }
    }
  }
  if (c == L.k)
    for (size_t g = 0; g < count; ++g) outs[g][L.k * L.N] += ins[g][L.big];
}

}  // namespace fhe
