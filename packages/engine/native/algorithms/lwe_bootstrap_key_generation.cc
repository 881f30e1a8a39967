#include "algorithms/lwe_bootstrap_key_generation.h"

#include <cstring>
#include <memory>

#include "algorithms/fourier_ggsw_store.h"
#include "algorithms/glwe_secret_key_fourier.h"
#include "commons/noise_sampler.h"
#include "commons/thread_pool.h"

namespace fhe {

namespace {

struct KeygenScratch {
  AlignedBuffer<Torus> masks, body, prod;
  AlignedBuffer<double> fft;
  AlignedBuffer<i64> ints;
  explicit KeygenScratch(const KeyLayout& L)
      : masks(L.k * L.N), body(L.N), prod(L.N), fft(2 * L.N), ints(L.N) {}
};

void to_fourier_row(const FftPlan& plan, const KeyLayout& L, const Torus* masks, const Torus* body, double* fourier,
                    size_t ggsw, size_t row) {
  const Kernels& K = kernels();
  const FourierGgswLayout G = L.fourier_ggsw_layout();
  double* dst = fourier + ggsw * L.fourier_ggsw_len();
  for (size_t c = 0; c <= L.k; ++c) forward_torus_into_ggsw(plan, K, G, c < L.k ? masks + c * L.N : body, dst, row * (L.k + 1) + c);
}

}  // namespace

void generate_bsk_range(const ClientKey& key, const ChaChaKey& mask_seed, const ChaChaKey& noise_key, Torus* bodies,
                        double* fourier, size_t start, size_t end) {
  const Params& p = key.params;
  const KeyLayout L(p);
  FHE_CHECK(start <= end && end <= L.n, "BSK range [", start, ", ", end, ") outside [0, ", L.n, ")");
  const FftPlan& plan = fft_plan(p.polynomial_size.value);
  const KeyFourier kf(key, plan);
  const unsigned beta = unsigned(p.pbs.base_log.value);
  ThreadPool& pool = ThreadPool::global();
  std::vector<std::unique_ptr<KeygenScratch>> scratch(pool.threads());
  pool.parallel_for(end - start, [&](size_t idx, size_t worker) {
    if (!scratch[worker]) scratch[worker] = std::make_unique<KeygenScratch>(L);
    KeygenScratch& S = *scratch[worker];
    const size_t i = start + idx;
    const u64 mu = key.lwe_key[i];  // the bit this GGSW encrypts
    for (size_t row = 0; row < L.ggsw_rows(); ++row) {
      const size_t r = row / L.l_pbs, level = row % L.l_pbs;
      const u64 g = u64(1) << (64 - beta * (level + 1));
      const u64 stream = u64(i) * L.ggsw_rows() + row;
      ChaCha20Stream ms(mask_seed, StreamDomain::BskMask, stream);
      ChaCha20Stream ns(noise_key, StreamDomain::BskNoise, stream);
      NoiseSampler e(p.glwe_noise, ns);
      ms.fill_u64(S.masks.data(), L.k * L.N);
      for (size_t t = 0; t < L.N; ++t) S.body[t] = e.sample();
      for (size_t c = 0; c < L.k; ++c) {
        poly_mul_binary_exact(plan, S.masks.data() + c * L.N, kf.data.data() + c * L.N,
                              kf.data.data() + c * L.N + plan.m, S.prod.data(), S.fft.data(), S.ints.data());
        for (size_t t = 0; t < L.N; ++t) S.body[t] += S.prod[t];
      }
      // Messages go into the body only, so the masks stay pure seed output (seeded form):
      // row r < k encrypts -mu*g*S_r, row k encrypts mu*g.
      if (r < L.k) {
        const Torus* s = key.glwe_key.data() + r * L.N;
        for (size_t t = 0; t < L.N; ++t) S.body[t] -= mu * g * s[t];
      } else {
        S.body[0] += mu * g;
      }
      if (bodies) std::memcpy(bodies + stream * L.N, S.body.data(), L.N * sizeof(Torus));
      if (fourier) to_fourier_row(plan, L, S.masks.data(), S.body.data(), fourier, i, row);
    }
  });
}

void expand_bsk_range(const Params& p, const ChaChaKey& mask_seed, const Torus* bodies, double* fourier, size_t start,
                      size_t end) {
  const KeyLayout L(p);
  FHE_CHECK(start <= end && end <= L.n, "BSK range [", start, ", ", end, ") outside [0, ", L.n, ")");
  const FftPlan& plan = fft_plan(p.polynomial_size.value);
  ThreadPool& pool = ThreadPool::global();
  std::vector<std::unique_ptr<AlignedBuffer<Torus>>> masks(pool.threads());
  pool.parallel_for(end - start, [&](size_t idx, size_t worker) {
    if (!masks[worker]) masks[worker] = std::make_unique<AlignedBuffer<Torus>>(L.k * L.N);
    const size_t i = start + idx;
    for (size_t row = 0; row < L.ggsw_rows(); ++row) {
      const u64 stream = u64(i) * L.ggsw_rows() + row;
      ChaCha20Stream ms(mask_seed, StreamDomain::BskMask, stream);
      ms.fill_u64(masks[worker]->data(), L.k * L.N);
      to_fourier_row(plan, L, masks[worker]->data(), bodies + stream * L.N, fourier, i, row);
    }
  });
}

}  // namespace fhe
