// Small parameter sets and keys for the native tests. They are NOT secure (n far below 450): the
// tests exercise the algorithms' code paths and bits, fast even under the sanitizers; the security
// rule is applied where sets enter the engine (bindings) and has its own tests.
#pragma once
#include <memory>

#include "algorithms/client_key_generation.h"
#include "algorithms/lwe_bootstrap_key_generation.h"
#include "algorithms/lwe_keyswitch_key_generation.h"
#include "entities/evaluation_keys.h"
#include "entities/key_layout.h"

namespace fhe::testing {

inline Decomposition dec(size_t base_log, size_t levels) {
  return Decomposition{DecompositionBaseLog(base_log), DecompositionLevelCount(levels)};
}

// k = 1, one PBS level; or k = 2 with two levels (the two shapes of the multiply-accumulate).
inline Params small_params(unsigned message_bits, size_t n, size_t k, size_t N, Decomposition pbs, Decomposition ks) {
  Params p;
  p.message_bits = message_bits;
  p.lwe_dimension = LweDimension(n);
  p.glwe_dimension = GlweDimension(k);
  p.polynomial_size = PolynomialSize(N);
  p.lwe_noise = NoiseDistribution::tuniform(20);
  p.glwe_noise = NoiseDistribution::tuniform(2);
  p.pbs = pbs;
  p.ks = ks;
  p.validate();
  return p;
}
inline Params params_k1() { return small_params(2, 128, 1, 512, dec(23, 1), dec(4, 4)); }
inline Params params_k2() { return small_params(3, 100, 2, 256, dec(15, 2), dec(5, 3)); }

// Evaluation keys generated both ways at once from the same seeds (what a keygen session does):
// the full keys, and the seeded bodies whose expansion must give the same bits.
struct KeySet {
  std::unique_ptr<ClientKey> client;
  std::unique_ptr<EvaluationKeys> keys;
  std::unique_ptr<SeededEvaluationKeys> seeded;
};
inline KeySet make_keys(const Params& p) {
  KeySet s;
  s.client = generate_client_key(p);
  const KeyLayout L(p);
  s.seeded = std::make_unique<SeededEvaluationKeys>();
  s.seeded->params = p;
  s.seeded->mask_seed = os_random_key();
  s.seeded->bsk_bodies.resize(L.bsk_body_len());
  s.seeded->ksk_bodies.resize(L.ksk_rows());
  s.keys = std::make_unique<EvaluationKeys>();
  s.keys->params = p;
  s.keys->fourier_bsk.resize(L.fourier_bsk_len());
  s.keys->ksk.resize(L.ksk_len());
  const ChaChaKey noise_key = os_random_key();
  generate_bsk_range(*s.client, s.seeded->mask_seed, noise_key, s.seeded->bsk_bodies.data(), s.keys->fourier_bsk.data(),
                     0, L.n);
  generate_ksk_rows(*s.client, s.seeded->mask_seed, noise_key, s.seeded->ksk_bodies.data(), s.keys->ksk.data(), 0,
                    L.ksk_rows());
  return s;
}

}  // namespace fhe::testing
