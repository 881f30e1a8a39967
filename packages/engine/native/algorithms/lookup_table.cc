#include "algorithms/lookup_table.h"

#include <vector>

namespace fhe {

void build_lut(const Params& p, const i64* table, Torus* lut) {
  const size_t N = p.polynomial_size.value, P = p.message_modulus();
  const size_t box = N / P, half = box / 2;
  const u64 delta = p.delta();
  std::vector<Torus> plain(N);
  for (size_t i = 0; i < P; ++i)
    for (size_t t = 0; t < box; ++t) plain[i * box + t] = u64(table[i]) * delta;
  // lut = X^{-half} * plain (negacyclic): coefficient t takes plain[t + half]; the first `half`
  // coefficients wrap to the end negated.
  for (size_t t = 0; t < N; ++t) lut[t] = t + half < N ? plain[t + half] : u64(0) - plain[t + half - N];
}

}  // namespace fhe
