#include "algorithms/modulus_switch.h"

namespace fhe {

void modulus_switch_centered(const Params& p, const u32* in, u32* out) {
  const size_t n = p.lwe_dimension.value;
  const unsigned log2_2n = log2_exact(p.polynomial_size.value) + 1;  // <= 17 (N <= 65536)
  const unsigned shift = 32 - log2_2n;
  const u64 half = u64(1) << (shift - 1);
  const u64 mask = (u64(1) << log2_2n) - 1;
  i64 err_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const u64 r = (u64(in[i]) + half) >> shift;  // no wrap: in 64 bits
    out[i] = u32(r & mask);
    err_sum += i64(r << shift) - i64(in[i]);  // rounding error of a_i, |err| <= 2^(shift-1)
  }
  // Each rounding error e_i enters the phase as -e_i*s_i with s_i uniform in {0,1}; adding
  // sum(e_i)/2 to the body centers it (-e_i*(s_i - 1/2)), halving its variance.
  const u32 body = p.centered_modulus_switch ? u32(u64(in[n]) + u64(err_sum / 2)) : in[n];
  out[n] = u32(((u64(body) + half) >> shift) & mask);
}

}  // namespace fhe
