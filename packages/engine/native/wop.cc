// WoP-PBS primitives (see wop.h and docs/crt.md). Everything heavy reuses the PBS machinery:
// level PBS through keyswitch_pbs_many_luts (pbs.cc), external products through glwe_ops.h, the
// PFKS multiply-accumulate through the keyswitch's axpy/decompose kernels.
#include "wop.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "bootstrap.h"
#include "fft.h"
#include "glwe_ops.h"
#include "pbs.h"
#include "thread_pool.h"

namespace fhe {

namespace {

void check_decomposition(const Decomposition& d, const char* what) {
  FHE_CHECK(d.base_log.value >= 1 && d.level_count.value >= 1 && d.base_log.value * d.level_count.value <= 63, what,
            " decomposition needs baseLog >= 1, levels >= 1, baseLog*levels <= 63; got ", d.base_log.value, "/",
            d.level_count.value);
}

constexpr size_t kMaxSelectorBits = 24;  // a table of 2^24 torus words is already 128 MiB

}  // namespace

void WopParams::validate() const {
  params.validate();
  check_decomposition(cbs, "circuit bootstrapping");
  check_decomposition(pfks, "packing keyswitch");
}

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

std::unique_ptr<LweCiphertextBatch> lwe_add_torus(const LweCiphertextBatch& in, const Torus* values, size_t values_len) {
  FHE_CHECK(values_len == in.count || values_len == 1, "expected ", in.count,
            " torus values (one per ciphertext) or 1 (broadcast), got ", values_len);
  auto out = std::make_unique<LweCiphertextBatch>(in.dimension, in.count);
  std::memcpy(out->data.data(), in.data.data(), in.count * in.stride() * sizeof(Torus));
  const size_t d = in.dimension.value;
  for (size_t i = 0; i < in.count; ++i) out->ct(i)[d] += values[values_len == 1 ? 0 : i];
  return out;
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

// ---- packing keyswitching keys ----

void generate_pfks_rows(const ClientKey& key, const WopParams& wop, const ChaChaKey& mask_seed,
                        const ChaChaKey& noise_key, Torus* keys, Torus* bodies, size_t row_start, size_t row_end) {
  const Params& p = key.params;
  FHE_CHECK(p.same_as(wop.params), "packing keyswitch keygen: WoP parameters do not match the client key");
  const PfksLayout L(wop);
  FHE_CHECK(row_start <= row_end && row_end <= L.rows(), "PFKS rows [", row_start, ", ", row_end, ") outside [0, ",
            L.rows(), ")");
  const FftPlan& plan = fft_plan(p.polynomial_size);
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

// ---- circuit bootstrapping ----

namespace {

// Per-thread buffers of the circuit bootstrap of one residue (b*l_cbs LUTs, LWEs and GLWEs).
struct CbsScratch {
  size_t cap = 0, N = 0, k = 0, pfks_levels = 0;
  AlignedBuffer<Torus> luts, lwes, glwes;
  AlignedBuffer<i64> digits;
  void ensure(size_t count, size_t N_, size_t k_, size_t pl) {
    if (count <= cap && N == N_ && k == k_ && pl == pfks_levels) return;
    cap = count, N = N_, k = k_, pfks_levels = pl;
    luts.resize(count * N);
    lwes.resize(count * (k * N + 1));
    glwes.resize(count * (k + 1) * N);
    digits.resize(count * kPfksChunk * pl);
  }
};

}  // namespace

void circuit_bootstrap(const EvaluationKeys& keys, const PackingKeyswitchKeys& pfks, const Torus* const* residues,
                       const u32* moduli, size_t m, FourierGgswList& out, size_t first, CbsTimings* timings) {
  using Clock = std::chrono::steady_clock;
  auto lap = [timings](Clock::time_point& t0, double CbsTimings::*field) {
    if (!timings) return;
    const Clock::time_point t1 = Clock::now();
    timings->*field += std::chrono::duration<double, std::nano>(t1 - t0).count();
    t0 = t1;
  };
  const Params& p = keys.params;
  FHE_CHECK(p.same_as(pfks.wop.params), "circuit bootstrap: packing keyswitching keys were made for other parameters");
  const size_t t = check_moduli(p, moduli, m);
  const size_t k = p.glwe_dimension.value, N = p.polynomial_size.value;
  const Decomposition& cbs = pfks.wop.cbs;
  const size_t l = cbs.level_count.value;
  const unsigned beta = unsigned(cbs.base_log.value);
  FHE_CHECK(out.k == k && out.N == N && out.levels == l && out.dec.base_log == cbs.base_log,
            "circuit bootstrap: GGSW list shape does not match the parameters");
  FHE_CHECK(first + t <= out.count, "circuit bootstrap: ", t, " GGSWs from ", first, " do not fit in a list of ",
            out.count);
  const FftPlan& plan = fft_plan(p.polynomial_size);
  const Kernels& K = kernels();
  thread_local CbsScratch S;
  size_t at = first;
  std::vector<Torus> values;
  for (size_t i = 0; i < m; ++i) {
    const u32 pm = moduli[i];
    const size_t bits = residue_bits(pm), count = bits * l;
    S.ensure(count, N, k, pfks.wop.pfks.level_count.value);
    std::vector<const Torus*> luts(count);
    std::vector<Torus*> lwes(count), glwes(count);
    std::vector<const Torus*> lwes_in(count);
    values.assign(pm, 0);
    for (size_t b = 0; b < bits; ++b) {
      for (size_t j = 0; j < l; ++j) {
        const size_t idx = b * l + j;
        // Level j (0-based) of bit b: g(r) = bit_b(r) * q / B^(j+1).
        const u64 g = u64(1) << (64 - beta * (j + 1));
        for (u32 r = 0; r < pm; ++r) values[r] = ((r >> b) & 1) ? g : 0;
        build_residue_lut(p, pm, values.data(), S.luts.data() + idx * N);
        luts[idx] = S.luts.data() + idx * N;
        lwes[idx] = S.lwes.data() + idx * (k * N + 1);
        lwes_in[idx] = lwes[idx];
        glwes[idx] = S.glwes.data() + idx * (k + 1) * N;
      }
    }
    Clock::time_point t0 = timings ? Clock::now() : Clock::time_point();
    keyswitch_pbs_many_luts(keys, residues[i], luts.data(), lwes.data(), count);
    lap(t0, &CbsTimings::pbs_ns);
    // GGSW row (c, j): PFKS with key c of the level-j LWE (c < k: -mu S_c q/B^j, c = k: mu q/B^j).
    for (size_t c = 0; c <= k; ++c) {
      pfks_apply_group(pfks, c, lwes_in.data(), glwes.data(), count, S.digits.data());
      lap(t0, &CbsTimings::pfks_ns);
      for (size_t b = 0; b < bits; ++b) {
        double* ggsw = out.ggsw(at + b);
        for (size_t j = 0; j < l; ++j) {
          const size_t row = c * l + j;
          const Torus* glwe = glwes[b * l + j];
          for (size_t poly = 0; poly <= k; ++poly) {
            double* dst = ggsw + (row * (k + 1) + poly) * N;
            K.forward_torus(plan, glwe + poly * N, dst, dst + plan.m);
          }
        }
      }
      lap(t0, &CbsTimings::fourier_ns);
    }
    at += bits;
  }
}

// ---- vertical packing ----

namespace {

struct VpScratch {
  size_t nodes_cap = 0, glwe = 0, levels = 0, N = 0;
  AlignedBuffer<Torus> nodes, diff;
  AlignedBuffer<i64> digits;
  AlignedBuffer<double> fdig, fout;
  void ensure(size_t nodes_count, size_t k, size_t N_, size_t l) {
    const size_t g = (k + 1) * N_;
    if (nodes_count <= nodes_cap && g == glwe && l == levels && N == N_) return;
    nodes_cap = nodes_count, glwe = g, levels = l, N = N_;
    nodes.resize(nodes_count * g);
    diff.resize(g);
    digits.resize(l * N_);
    fdig.resize((k + 1) * l * N_);
    fout.resize(g);
  }
};

}  // namespace

void vertical_packing(const FourierGgswList& ggsws, size_t first, size_t t, const Torus* lut, Torus* out) {
  const size_t k = ggsws.k, N = ggsws.N, l = ggsws.levels;
  FHE_CHECK(t >= 1 && t <= kMaxSelectorBits, "vertical packing: selector bits must be in 1..", kMaxSelectorBits,
            ", got ", t);
  FHE_CHECK(first + t <= ggsws.count, "vertical packing: GGSWs [", first, ", ", first + t, ") outside the list of ",
            ggsws.count);
  const size_t log_n = log2_exact(N);
  const size_t low = std::min(t, log_n), high = t - low, polys = size_t(1) << high;
  const size_t glwe = (k + 1) * N, entries = size_t(1) << t;
  const unsigned beta = unsigned(ggsws.dec.base_log.value);
  const FftPlan& plan = fft_plan(PolynomialSize(N));
  const Kernels& K = kernels();
  thread_local VpScratch S;
  S.ensure(polys, k, N, l);
  // Leaves: trivial GLWEs (0, .., 0, P_s), P_s[j] = lut[s*N + j] (zero past the table).
  for (size_t s = 0; s < polys; ++s) {
    Torus* node = S.nodes.data() + s * glwe;
    for (size_t j = 0; j < k * N; ++j) node[j] = 0;
    for (size_t j = 0; j < N; ++j) node[k * N + j] = s * N + j < entries ? lut[s * N + j] : 0;
  }
  // CMux tree over the top selector bits, lowest first: node i <- CMux(g, node 2i, node 2i+1)
  // = node 2i + ExternalProduct(g, node 2i+1 - node 2i).
  for (size_t h = 0; h < high; ++h) {
    const double* g = ggsws.ggsw(first + low + h);
    const size_t width = polys >> h;
    for (size_t i = 0; i < width / 2; ++i) {
      Torus* n0 = S.nodes.data() + 2 * i * glwe;
      const Torus* n1 = n0 + glwe;
      Torus* diff = S.diff.data();
      for (size_t j = 0; j < glwe; ++j) diff[j] = n1[j] - n0[j];
      external_product_add(
          plan, K, k, l, g, [&](size_t r, i64* d) { K.decompose(N, diff + r * N, beta, unsigned(l), d); }, n0,
          S.digits.data(), S.fdig.data(), S.fout.data());
      if (i != 0) std::memcpy(S.nodes.data() + i * glwe, n0, glwe * sizeof(Torus));
    }
  }
  // Blind rotation by X^(-idx_low) with the low bits: acc <- CMux(g_b, acc, X^(-2^b) acc).
  Torus* acc = S.nodes.data();
  for (size_t b = 0; b < low; ++b)
    cmux_rotate(plan, K, k, ggsws.dec, ggsws.ggsw(first + b), 2 * N - (size_t(1) << b), acc, S.digits.data(),
                S.fdig.data(), S.fout.data());
  sample_extract(k, N, acc, out);
}

// ---- batched lookup ----

std::unique_ptr<LweCiphertextBatch> wop_lookup(const EvaluationKeys& keys, const PackingKeyswitchKeys& pfks,
                                               const LweCiphertextBatch& in, const u32* moduli, size_t m,
                                               const u32* table_index, const Torus* luts, size_t num_tables,
                                               size_t outputs, const WopProgress* progress) {
  const Params& p = keys.params;
  FHE_CHECK(p.same_as(pfks.wop.params), "WoP lookup: packing keyswitching keys were made for other parameters");
  FHE_CHECK(in.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Evaluation keys (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", in.dimension.value);
  const size_t t = check_moduli(p, moduli, m);
  FHE_CHECK(in.count % m == 0, "WoP lookup: ", in.count, " residue ciphertexts is not a multiple of ", m, " moduli");
  FHE_CHECK(num_tables >= 1 && outputs >= 1, "WoP lookup needs at least one table and one output LUT per table");
  const size_t neurons = in.count / m;
  for (size_t o = 0; o < neurons; ++o)
    FHE_CHECK(table_index[o] < num_tables, "table index ", table_index[o], " for neuron ", o, " out of range (",
              num_tables, " tables)");
  auto out = std::make_unique<LweCiphertextBatch>(in.dimension, neurons * outputs);
  if (neurons == 0) return out;
  const size_t k = p.glwe_dimension.value, N = p.polynomial_size.value;
  std::vector<size_t> first_bit(m);  // selector position of each residue's low bit
  for (size_t i = 0, at = 0; i < m; at += residue_bits(moduli[i]), ++i) first_bit[i] = at;
  // Neurons go in chunks: first every (neuron, residue) circuit bootstrap of the chunk as its own
  // pool job, then every (neuron, output) vertical packing, so even a single neuron keeps all
  // threads busy (m residues) while the GGSWs held at once stay bounded (chunk * t of them).
  ThreadPool& pool = ThreadPool::global();
  const size_t chunk = std::min(neurons, std::max<size_t>(2, 2 * pool.threads()));
  FourierGgswList G(k, N, pfks.wop.cbs, chunk * t);
  for (size_t o0 = 0; o0 < neurons; o0 += chunk) {
    const size_t count = std::min(chunk, neurons - o0);
    pool.parallel_for(count * m, [&](size_t job, size_t) {
      const size_t c = job / m, i = job % m;
      const Torus* res = in.ct((o0 + c) * m + i);
      circuit_bootstrap(keys, pfks, &res, moduli + i, 1, G, c * t + first_bit[i]);
    });
    pool.parallel_for(count * outputs, [&](size_t job, size_t) {
      const size_t c = job / outputs, e = job % outputs, o = o0 + c;
      vertical_packing(G, c * t, t, luts + ((size_t(table_index[o]) * outputs + e) << t), out->ct(o * outputs + e));
    });
    if (progress && *progress) (*progress)(o0 + count, neurons);
  }
  return out;
}

}  // namespace fhe
