#include "bootstrap.h"

#include "fft.h"
#include "keyswitch.h"
#include "thread_pool.h"

namespace fhe {

namespace {

// Forward transforms of the GLWE key polynomials (for exact key products during keygen).
struct KeyFourier {
  AlignedBuffer<double> data;  // k polys, N doubles each (re M | im M)
  KeyFourier(const ClientKey& key, const FftPlan& plan) {
    const KeyLayout L(key.params);
    data.resize(L.k * L.N);
    std::vector<i64> coeffs(L.N);
    for (size_t c = 0; c < L.k; ++c) {
      for (size_t t = 0; t < L.N; ++t) coeffs[t] = i64(key.glwe_key[c * L.N + t]);
      kernels().forward_i64(plan, coeffs.data(), data.data() + c * L.N, data.data() + c * L.N + plan.m);
    }
  }
  ~KeyFourier() { if (data.data()) wipe(data.data(), data.size() * sizeof(double)); }
};

struct KeygenScratch {
  AlignedBuffer<Torus> masks, body, prod;
  AlignedBuffer<double> fft;
  AlignedBuffer<i64> ints;
  explicit KeygenScratch(const KeyLayout& L)
      : masks(L.k * L.N), body(L.N), prod(L.N), fft(2 * L.N), ints(L.N) {}
};

inline double* fourier_poly(double* fourier, const KeyLayout& L, size_t ggsw, size_t row, size_t c) {
  return fourier + ggsw * L.fourier_ggsw_len() + (row * (L.k + 1) + c) * L.N;
}

void to_fourier_row(const FftPlan& plan, const KeyLayout& L, const Torus* masks, const Torus* body, double* fourier,
                    size_t ggsw, size_t row) {
  const Kernels& K = kernels();
  for (size_t c = 0; c <= L.k; ++c) {
    double* dst = fourier_poly(fourier, L, ggsw, row, c);
    K.forward_torus(plan, c < L.k ? masks + c * L.N : body, dst, dst + plan.m);
  }
}

}  // namespace

void generate_bsk_range(const ClientKey& key, const ChaChaKey& mask_seed, const ChaChaKey& noise_key, Torus* bodies,
                        double* fourier, size_t start, size_t end) {
  const Params& p = key.params;
  const KeyLayout L(p);
  FHE_CHECK(start <= end && end <= L.n, "BSK range [", start, ", ", end, ") outside [0, ", L.n, ")");
  const FftPlan& plan = fft_plan(p.polynomial_size);
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
  const FftPlan& plan = fft_plan(p.polynomial_size);
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

void modulus_switch_centered(const Params& p, const Torus* in, u32* out) {
  const size_t n = p.lwe_dimension.value;
  const unsigned log2_2n = log2_exact(p.polynomial_size.value) + 1;
  const unsigned shift = 64 - log2_2n;
  const u64 half = u64(1) << (shift - 1);
  const u64 mask = (u64(1) << log2_2n) - 1;
  i64 err_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const u64 r = (in[i] + half) >> shift;
    out[i] = u32(r & mask);
    err_sum += i64((r << shift) - in[i]);  // rounding error of a_i, |err| <= 2^(shift-1)
  }
  // Each rounding error e_i enters the phase as -e_i*s_i with s_i uniform in {0,1}; adding
  // sum(e_i)/2 to the body centers it (-e_i*(s_i - 1/2)), halving its variance.
  const u64 body = p.centered_modulus_switch ? in[n] + u64(err_sum / 2) : in[n];
  out[n] = u32(((body + half) >> shift) & mask);
}

namespace {

struct PbsScratch {
  KeyLayout L;
  AlignedBuffer<Torus> small, acc, tmp;
  AlignedBuffer<u32> switched;
  AlignedBuffer<i64> digits, ks_digits;
  AlignedBuffer<double> f, out_f;
  explicit PbsScratch(const KeyLayout& l)
      : L(l), small(l.n + 1), acc((l.k + 1) * l.N), tmp((l.k + 1) * l.N), switched(l.n + 1),
        digits((l.k + 1) * l.N * l.l_pbs), ks_digits(l.big * l.l_ks), f(l.N), out_f((l.k + 1) * l.N) {}
  bool fits(const KeyLayout& o) const {
    return L.n == o.n && L.k == o.k && L.N == o.N && L.l_pbs == o.l_pbs && L.l_ks == o.l_ks;
  }
};

PbsScratch& thread_scratch(const KeyLayout& L) {
  thread_local std::unique_ptr<PbsScratch> s;
  if (!s || !s->fits(L)) s = std::make_unique<PbsScratch>(L);
  return *s;
}

// out = X^a * in - in (negacyclic, a in [0, 2N)).
inline void monomial_mul_minus_self(const Torus* in, size_t N, size_t a, Torus* out) {
  const bool neg = a >= N;
  if (neg) a -= N;
  for (size_t t = 0; t < a; ++t) {
    const Torus v = u64(0) - in[t + N - a];
    out[t] = (neg ? u64(0) - v : v) - in[t];
  }
  for (size_t t = a; t < N; ++t) {
    const Torus v = in[t - a];
    out[t] = (neg ? u64(0) - v : v) - in[t];
  }
}

// out = X^{-b} * lut (negacyclic, b in [0, 2N)).
inline void rotate_lut(const Torus* lut, size_t N, size_t b, Torus* out) {
  const size_t a = (2 * N - b) % (2 * N);
  const bool neg = a >= N;
  const size_t s = neg ? a - N : a;
  for (size_t t = 0; t < N; ++t) {
    Torus v = t >= s ? lut[t - s] : u64(0) - lut[t + N - s];
    out[t] = neg ? u64(0) - v : v;
  }
}

}  // namespace

void keyswitch_pbs(const EvaluationKeys& keys, const Torus* in, const Torus* lut, Torus* out) {
  const Params& p = keys.params;
  const KeyLayout L(p);
  PbsScratch& S = thread_scratch(L);
  const FftPlan& plan = fft_plan(p.polynomial_size);
  const Kernels& K = kernels();
  const size_t N = L.N, M = plan.m, kp1 = L.k + 1;
  const unsigned beta = unsigned(p.pbs.base_log.value);

  keyswitch(p, keys.ksk.data(), in, S.small.data(), S.ks_digits.data());
  modulus_switch_centered(p, S.small.data(), S.switched.data());

  // Accumulator = trivial GLWE (0, ..., 0, X^{-b~} * LUT).
  Torus* acc = S.acc.data();
  for (size_t t = 0; t < L.k * N; ++t) acc[t] = 0;
  rotate_lut(lut, N, S.switched[L.n], acc + L.k * N);

  // Blind rotation: acc += ExternalProduct(BSK_i, X^{a~_i} * acc - acc) (a CMux on s_i).
  for (size_t i = 0; i < L.n; ++i) {
    const size_t a = S.switched[i];
    if (a == 0) continue;
    for (size_t c = 0; c < kp1; ++c) monomial_mul_minus_self(acc + c * N, N, a, S.tmp.data() + c * N);
    K.decompose(kp1 * N, S.tmp.data(), beta, unsigned(L.l_pbs), S.digits.data());
    double* of = S.out_f.data();
    for (size_t t = 0; t < kp1 * N; ++t) of[t] = 0;
    const double* ggsw = keys.fourier_bsk.data() + i * L.fourier_ggsw_len();
    for (size_t r = 0; r < kp1; ++r) {
      for (size_t level = 0; level < L.l_pbs; ++level) {
        K.forward_i64(plan, S.digits.data() + level * kp1 * N + r * N, S.f.data(), S.f.data() + M);
        const size_t row = r * L.l_pbs + level;
        for (size_t c = 0; c < kp1; ++c) {
          const double* b = ggsw + (row * kp1 + c) * N;
          K.mac(M, of + c * N, of + c * N + M, S.f.data(), S.f.data() + M, b, b + M);
        }
      }
    }
    for (size_t c = 0; c < kp1; ++c) K.backward_add_torus(plan, of + c * N, of + c * N + M, acc + c * N);
  }

  // Sample extraction of the constant coefficient, under the big key (S_c[j] at c*N + j).
  for (size_t c = 0; c < L.k; ++c) {
    const Torus* A = acc + c * N;
    out[c * N] = A[0];
    for (size_t t = 1; t < N; ++t) out[c * N + t] = u64(0) - A[N - t];
  }
  out[L.big] = acc[L.k * N];
}

std::unique_ptr<LweCiphertextBatch> pbs_batch(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                              const u32* table_index, const i64* tables, size_t num_tables) {
  const Params& p = keys.params;
  FHE_CHECK(in.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Evaluation keys (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", in.dimension.value);
  FHE_CHECK(num_tables >= 1, "PBS needs at least one table");
  for (size_t i = 0; i < in.count; ++i)
    FHE_CHECK(table_index[i] < num_tables, "table index ", table_index[i], " for ciphertext ", i,
              " out of range (", num_tables, " tables)");
  const size_t N = p.polynomial_size.value, P = p.message_modulus();
  AlignedBuffer<Torus> luts(num_tables * N);
  for (size_t t = 0; t < num_tables; ++t) build_lut(p, tables + t * P, luts.data() + t * N);
  auto out = std::make_unique<LweCiphertextBatch>(in.dimension, in.count);
  ThreadPool::global().parallel_for(in.count, [&](size_t i, size_t) {
    keyswitch_pbs(keys, in.ct(i), luts.data() + size_t(table_index[i]) * N, out->ct(i));
  });
  return out;
}

}  // namespace fhe
