#include "commons/fft/fft.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

namespace fhe {

FftPlan::FftPlan(size_t size) : n(size), m(size / 2) {
  FHE_CHECK(is_pow2(n) && n >= 4, "FFT size must be a power of two >= 4, got ", n);
  size_t total = 0;
  for (size_t len = m; len >= 2; len >>= 1) {
    stage_offset.push_back(total);
    total += len / 2;
  }
  tw_re.resize(total ? total : 1);
  tw_im.resize(total ? total : 1);
  const long double pi = 3.141592653589793238462643383279502884L;
  size_t s = 0;
  for (size_t len = m; len >= 2; len >>= 1, ++s) {
    for (size_t j = 0; j < len / 2; ++j) {
      const long double ang = 2 * pi * (long double)j / (long double)len;
      tw_re[stage_offset[s] + j] = double(std::cos(ang));
      tw_im[stage_offset[s] + j] = double(std::sin(ang));
    }
  }
  {  // the pass structure of fft_dif / fft_dit_inverse (kernels_impl.h)
    const size_t stages = stage_offset.size();
    size_t s = stages % 2, len = m >> s;
    prefetch_steps = s;
    for (; s < stages && len > kBlock; s += 2, len >>= 2) ++prefetch_steps;
    prefetch_steps += (m / std::min(len, m)) * ((stages - s) / 2);
  }
  twist_re.resize(m); twist_im.resize(m); untwist_re.resize(m); untwist_im.resize(m);
  for (size_t j = 0; j < m; ++j) {
    const long double ang = pi * (long double)j / (long double)n;
    twist_re[j] = double(std::cos(ang));
    twist_im[j] = double(std::sin(ang));
    untwist_re[j] = double(std::cos(ang) / (long double)m);
    untwist_im[j] = double(-std::sin(ang) / (long double)m);
  }
}

const FftPlan& fft_plan(size_t n) {
  static std::mutex mu;
  static std::map<size_t, std::unique_ptr<FftPlan>> plans;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = plans[n];
  if (!slot) slot = std::make_unique<FftPlan>(n);
  return *slot;
}

void poly_mul_binary_exact(const FftPlan& plan, const Torus* a, const double* key_re, const double* key_im,
                           Torus* out, double* scratch, i64* scratch_i64) {
  const size_t n = plan.n, m = plan.m;
  const Kernels& K = kernels();
  double* re = scratch;
  double* im = scratch + m;
  double* pre = scratch + 2 * m;
  double* pim = scratch + 3 * m;
  for (size_t i = 0; i < n; ++i) out[i] = 0;
  // 16-bit limbs: each limb product has |coefficient| <= 2^16 * N <= 2^33, far below 2^53, so the
  // f64 FFT rounds back to the exact integer.
  for (unsigned limb = 0; limb < 4; ++limb) {
    for (size_t i = 0; i < n; ++i) scratch_i64[i] = i64((a[i] >> (16 * limb)) & 0xffff);
    K.forward_i64(plan, scratch_i64, re, im, nullptr);
    for (size_t j = 0; j < m; ++j) { pre[j] = 0; pim[j] = 0; }
    K.mac(m, pre, pim, re, im, key_re, key_im);
    K.backward_round_i64(plan, pre, pim, scratch_i64);
    for (size_t i = 0; i < n; ++i) out[i] += u64(scratch_i64[i]) << (16 * limb);
  }
}

}  // namespace fhe
