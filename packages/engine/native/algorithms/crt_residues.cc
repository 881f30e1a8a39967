#include "algorithms/crt_residues.h"

#include <numeric>

namespace fhe {

unsigned residue_bits(u32 p) {
  unsigned b = 0;
  while ((u64(1) << b) < p) ++b;
  return b;
}

Torus residue_delta(u32 p) {
  FHE_CHECK(p >= 1, "modulus must be >= 1");
  const unsigned __int128 q = (unsigned __int128)1 << 64;
  return Torus((q + p / 2) / p);
}

size_t check_moduli(const Params& params, const u32* moduli, size_t m) {
  FHE_CHECK(m >= 1, "CRT lookup needs at least one modulus");
  const size_t N = params.polynomial_size.value;
  size_t t = 0;
  for (size_t i = 0; i < m; ++i) {
    const u32 p = moduli[i];
    FHE_CHECK(p >= 3 && p % 2 == 1, "modulus ", i, " = ", p, ": residue moduli must be odd and >= 3");
    FHE_CHECK(p <= N / 2, "modulus ", i, " = ", p, " too large for N = ", N, " (needs p <= N/2)");
    for (size_t j = 0; j < i; ++j)
      FHE_CHECK(std::gcd(moduli[j], p) == 1, "moduli ", moduli[j], " and ", p, " are not coprime");
    t += residue_bits(p);
  }
  FHE_CHECK(t <= kMaxSelectorBits, "moduli need ", t, " selector bits; at most ", kMaxSelectorBits, " are supported");
  return t;
}

size_t selector_index(const u32* moduli, size_t m, u64 u) {
  size_t idx = 0, shift = 0;
  for (size_t i = 0; i < m; ++i) {
    idx |= size_t(u % moduli[i]) << shift;
    shift += residue_bits(moduli[i]);
  }
  return idx;
}

void build_crt_lut(const Params& params, const u32* moduli, size_t m, const Torus* values, Torus* lut) {
  const size_t t = check_moduli(params, moduli, m);
  u64 M = 1;
  for (size_t i = 0; i < m; ++i) M *= moduli[i];
  for (size_t i = 0; i < (size_t(1) << t); ++i) lut[i] = 0;
  for (u64 u = 0; u < M; ++u) lut[selector_index(moduli, m, u)] = values[u];
}

void build_residue_lut(const Params& params, u32 p, const Torus* values, Torus* lut) {
  const size_t N = params.polynomial_size.value;
  FHE_CHECK(p >= 3 && p % 2 == 1 && p <= N / 2, "residue LUT: modulus must be odd, >= 3 and <= N/2 = ", N / 2,
            ", got ", p);
  const u64 two_n = 2 * N;
  // Nearest direct point 2N*r/p to x (x in [0, 2N)); the distance is returned times p so that it
  // stays an exact integer. r = p wraps to 0 (the point 2N is the point 0).
  auto nearest = [&](u64 x, u64& dist_times_p) -> u32 {
    const u64 r = (x * p + N) / two_n;  // round(x * p / 2N)
    const i64 d = i64(x * p) - i64(two_n * r);
    dist_times_p = u64(d < 0 ? -d : d);
    return u32(r % p);
  };
  for (size_t i = 0; i < N; ++i) {
    u64 d1 = 0, d2 = 0;
    const u32 r1 = nearest(i, d1);
    const u32 r2 = nearest(i + N, d2);
    lut[i] = d1 <= d2 ? values[r1] : u64(0) - values[r2];
  }
}

}  // namespace fhe
