#include "algorithms/lwe_packing_keyswitch_key_generation.h"

#include <algorithm>
#include <cstring>

#include "algorithms/glwe_secret_key_fourier.h"
#include "commons/noise_sampler.h"
#include "commons/thread_pool.h"

namespace fhe {

void generate_pfks_rows(const ClientKey& key, const WopParams& wop, const ChaChaKey& mask_seed,
                        const ChaChaKey& noise_key, Torus* keys, Torus* bodies, size_t row_start, size_t row_end) {
  const Params& p = key.params;
  FHE_CHECK(p.same_as(wop.params), "packing keyswitch keygen: WoP parameters do not match the client key");
  const PfksLayout L(wop);
  FHE_CHECK(row_start <= row_end && row_end <= L.rows(), "PFKS rows [", row_start, ", ", row_end, ") outside [0, ",
            L.rows(), ")");
  const FftPlan& plan = fft_plan(p.polynomial_size.value);
  const KeyFourier kf(key, plan);
  const size_t N = L.N, k = L.k;
  const unsigned beta = unsigned(wop.pfks.base_log.value);
  AlignedBuffer<Torus> masks(k * N), body(N), prod(N);
  AlignedBuffer<double> fft(2 * N);
  AlignedBuffer<i64> ints(N);
  for (size_t row = row_start; row < row_end; ++row) {
    const size_t c = row < L.first_row(L.k) ? row / ((L.big + 1) * L.levels) : L.k;
    const size_t rem = row - L.first_row(c);
    const size_t a = rem / L.levels, level = rem % L.levels;
    const u64 g = u64(1) << (64 - beta * (level + 1));
    // Input key extended with -1: row a = kN carries the body coefficient.
    const Torus x = a < L.big ? key.glwe_key[a] * g : u64(0) - g;
    ChaCha20Stream ms(mask_seed, StreamDomain::PfksMask, row);
    ChaCha20Stream ns(noise_key, StreamDomain::PfksNoise, row);
    NoiseSampler e(p.glwe_noise, ns);
    ms.fill_u64(masks.data(), k * N);
    for (size_t t = 0; t < N; ++t) body[t] = e.sample();
    for (size_t cc = 0; cc < k; ++cc) {
      poly_mul_binary_exact(plan, masks.data() + cc * N, kf.data.data() + cc * N, kf.data.data() + cc * N + plan.m,
                            prod.data(), fft.data(), ints.data());
      for (size_t t = 0; t < N; ++t) body[t] += prod[t];
    }
    if (c < k) {  // f_c(x) = -S_c * x
      const Torus* s = key.glwe_key.data() + c * N;
      for (size_t t = 0; t < N; ++t) body[t] -= s[t] * x;
    } else {  // f_k(x) = x
      body[0] += x;
    }
    if (keys) {
      Torus* dst = keys + row * L.row_len();
      std::memcpy(dst, masks.data(), k * N * sizeof(Torus));
      std::memcpy(dst + k * N, body.data(), N * sizeof(Torus));
    }
    if (bodies) std::memcpy(bodies + row * N, body.data(), N * sizeof(Torus));
  }
  // Key products and the last message-bearing body (before it was copied out) are secret.
  wipe(prod.data(), N * sizeof(Torus));
  wipe(ints.data(), N * sizeof(i64));
  wipe(fft.data(), 2 * N * sizeof(double));
}

void expand_pfks_rows(const WopParams& wop, const ChaChaKey& mask_seed, const Torus* bodies, Torus* keys,
                      size_t row_start, size_t row_end) {
  const PfksLayout L(wop);
  FHE_CHECK(row_start <= row_end && row_end <= L.rows(), "PFKS rows [", row_start, ", ", row_end, ") outside [0, ",
            L.rows(), ")");
  const size_t kN = L.k * L.N;
  for (size_t row = row_start; row < row_end; ++row) {
    ChaCha20Stream ms(mask_seed, StreamDomain::PfksMask, row);
    Torus* dst = keys + row * L.row_len();
    ms.fill_u64(dst, kN);
    std::memcpy(dst + kN, bodies + row * L.N, L.N * sizeof(Torus));
  }
}

namespace {

constexpr size_t kPfksGenChunk = 256;  // rows per pool job

template <typename F>
void for_row_chunks(size_t rows, F&& f) {
  const size_t chunks = (rows + kPfksGenChunk - 1) / kPfksGenChunk;
  ThreadPool::global().parallel_for(chunks, [&](size_t i, size_t) {
    f(i * kPfksGenChunk, std::min(rows, (i + 1) * kPfksGenChunk));
  });
}

}  // namespace

std::unique_ptr<PackingKeyswitchKeys> generate_pfks_keys(const ClientKey& key, const WopParams& wop) {
  wop.validate();
  auto out = std::make_unique<PackingKeyswitchKeys>();
  out->wop = wop;
  const PfksLayout L(wop);
  out->data.resize(L.len());
  // Full keys only: the mask seed is never published; fresh OS randomness for both streams.
  ChaChaKey mask_seed = os_random_key(), noise_key = os_random_key();
  for_row_chunks(L.rows(), [&](size_t a, size_t b) {
    generate_pfks_rows(key, wop, mask_seed, noise_key, out->data.data(), nullptr, a, b);
  });
  wipe(&noise_key, sizeof noise_key);
  wipe(&mask_seed, sizeof mask_seed);
  return out;
}

std::unique_ptr<SeededPackingKeys> generate_pfks_seeded(const ClientKey& key, const WopParams& wop) {
  wop.validate();
  auto out = std::make_unique<SeededPackingKeys>();
  out->wop = wop;
  out->mask_seed = os_random_key();  // public once published; fresh per key set
  const PfksLayout L(wop);
  out->bodies.resize(L.rows() * L.N);
  ChaChaKey noise_key = os_random_key();
  for_row_chunks(L.rows(), [&](size_t a, size_t b) {
    generate_pfks_rows(key, wop, out->mask_seed, noise_key, nullptr, out->bodies.data(), a, b);
  });
  wipe(&noise_key, sizeof noise_key);
  return out;
}

std::unique_ptr<PackingKeyswitchKeys> expand_pfks(const SeededPackingKeys& seeded) {
  seeded.wop.validate();
  const PfksLayout L(seeded.wop);
  FHE_CHECK(seeded.bodies.size() == L.rows() * L.N, "seeded PFKS keys: expected ", L.rows() * L.N,
            " body words, got ", seeded.bodies.size());
  auto out = std::make_unique<PackingKeyswitchKeys>();
  out->wop = seeded.wop;
  out->data.resize(L.len());
  for_row_chunks(L.rows(), [&](size_t a, size_t b) {
    expand_pfks_rows(seeded.wop, seeded.mask_seed, seeded.bodies.data(), out->data.data(), a, b);
  });
  return out;
}

}  // namespace fhe
