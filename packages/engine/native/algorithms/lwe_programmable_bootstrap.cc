// Keyswitch + PBS evaluation.
//
// Loop order of a batch (why this file exists): at N = 8192 one GGSW of the Fourier bootstrapping
// key is 512 KiB and the whole key 0.5 GiB, the keyswitching key 337 MiB. Evaluated one ciphertext
// at a time, every PBS streams both keys from DRAM (the multiply-accumulate against the BSK then
// costs twice its cache-resident time). A batch is therefore cut into groups; for each group the
// keyswitch reads each KSK row once for all its ciphertexts, and the blind rotation runs with the
// LWE index i outermost: GGSW i is loaded once and applied to every ciphertext of the group while
// it stays in L2/L3. Groups are spread over the thread pool. Every ciphertext still sees exactly the
// same sequence of floating-point operations as in the per-ciphertext loop
// (keyswitch_pbs_reference), so results are bit-identical whatever the group size.
#include "algorithms/lwe_programmable_bootstrap.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "algorithms/ggsw_external_product.h"
#include "algorithms/glwe_sample_extraction.h"
#include "algorithms/lookup_table.h"
#include "algorithms/lwe_keyswitch.h"
#include "algorithms/modulus_switch.h"
#include "commons/fft/fft.h"
#include "commons/thread_pool.h"

namespace fhe {

namespace {

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

// Largest GGSW prefetched during the previous one's transforms (blind_rotate_group).
constexpr size_t kPrefetchGgswMaxBytes = 256 * 1024;

bool same_layout(const KeyLayout& a, const KeyLayout& b) {
  return a.n == b.n && a.k == b.k && a.N == b.N && a.l_pbs == b.l_pbs && a.l_ks == b.l_ks;
}

// Element counts of the per-thread buffers of a group of up to `cap` ciphertexts: one place for
// what GroupScratch allocates and pbs_thread_scratch_bytes reports.
struct GroupScratchSizes {
  size_t small, acc, switched, ks_digits, fdig, fout;
  GroupScratchSizes(const KeyLayout& l, size_t cap)
      : small(cap * (l.n + 1)), acc(cap * (l.k + 1) * l.N), switched(cap * (l.n + 1)),
        ks_digits(cap * l.l_ks * kKeyswitchChunk), fdig(l.ggsw_rows() * l.N),
        fout((l.k + 1) * l.N) {}
  size_t bytes() const {
    return small * sizeof(u32) + acc * sizeof(Torus) + switched * sizeof(u32) + ks_digits * sizeof(i64) +
           (fdig + fout) * sizeof(double);
  }
};

// Per-thread buffers for groups of up to `capacity` ciphertexts.
struct GroupScratch {
  KeyLayout L;
  size_t capacity;
  AlignedBuffer<u32> small;         // [g][n+1] keyswitched, mod 2^32
  AlignedBuffer<Torus> acc;         // [g][(k+1)N]
  AlignedBuffer<u32> switched;      // [g][n+1]
  AlignedBuffer<i64> ks_digits;     // [g][l_ks][chunk]
  // One external product at a time: Fourier digits of all rows, Fourier outputs.
  AlignedBuffer<double> fdig;    // (k+1)*l rows * N
  AlignedBuffer<double> fout;    // (k+1) * N
  GroupScratch(const KeyLayout& l, size_t cap) : GroupScratch(l, cap, GroupScratchSizes(l, cap)) {}

 private:
  GroupScratch(const KeyLayout& l, size_t cap, const GroupScratchSizes& s)
      : L(l), capacity(cap), small(s.small), acc(s.acc), switched(s.switched), ks_digits(s.ks_digits),
        fdig(s.fdig), fout(s.fout) {}
};

GroupScratch& group_scratch(const KeyLayout& L, size_t count) {
  thread_local std::unique_ptr<GroupScratch> s;
  if (!s || !same_layout(s->L, L) || s->capacity < count) s = std::make_unique<GroupScratch>(L, count);
  return *s;
}

// acc += ExternalProduct(ggsw, X^a * acc - acc): the CMux on the key bit that ggsw encrypts.
// Same operations, in the same order per coefficient, as the reference loop; only the
// multiply-accumulate is tiled (rows inner, frequencies outer) so outputs are not re-streamed
// (ggsw_external_product.h, shared with the vertical packing of the WoP-PBS).
void cmux_step(const FftPlan& plan, const Kernels& K, const KeyLayout& L, const Decomposition& pbs, const double* ggsw,
               size_t a, Torus* acc, GroupScratch& S, PrefetchStream* pf) {
  cmux_rotate(plan, K, L.k, pbs, ggsw, a, acc, S.fdig.data(), S.fout.data(), pf);
}

// Blind rotation and sample extraction of `count` modulus-switched ciphertexts (switched[g]: n+1
// values in Z/2N; several may point to the same one) with their LUTs, GGSW i of the key loaded
// once per group. count <= S.capacity. `functions` outputs per ciphertext (multi-value PBS):
// outs[g * functions + j] is coefficient j * N / functions of the rotated accumulator.
void blind_rotate_group(const EvaluationKeys& keys, const u32* const* switched, const Torus* const* luts,
                        Torus* const* outs, size_t count, GroupScratch& S, size_t functions = 1) {
  const Params& p = keys.params;
  const KeyLayout& L = S.L;
  const FftPlan& plan = fft_plan(p.polynomial_size.value);
  const Kernels& K = kernels();
  const size_t N = L.N, acc_len = (L.k + 1) * N;
  for (size_t g = 0; g < count; ++g) {
    // Accumulator = trivial GLWE (0, ..., 0, X^{-b~} * LUT).
    Torus* acc = S.acc.data() + g * acc_len;
    for (size_t t = 0; t < L.k * N; ++t) acc[t] = 0;
    rotate_lut(luts[g], N, switched[g][L.n], acc + L.k * N);
  }

  // GGSW i+1 is pulled into L2 during the transforms of GGSW i's CMuxes (PrefetchStream), when two
  // GGSWs and the transforms' buffers fit in L2 beside each other (measured: 2-bit and 4-bit sets
  // gain, 0.5 MiB GGSWs at N = 8192 do not).
  const size_t ggsw_len = L.fourier_ggsw_len();
  const bool prefetch = ggsw_len * sizeof(double) <= kPrefetchGgswMaxBytes;
  const size_t steps = count * (L.k + 1) * (L.l_pbs + 1) * plan.prefetch_steps;
  PrefetchStream next;
  for (size_t i = 0; i < L.n; ++i) {
    const double* ggsw = keys.fourier_bsk.data() + i * ggsw_len;
    if (prefetch && i + 1 < L.n) next.start(ggsw + ggsw_len, ggsw_len * sizeof(double), steps);
    for (size_t g = 0; g < count; ++g) {
      const size_t a = switched[g][i];
      if (a != 0) cmux_step(plan, K, L, p.pbs, ggsw, a, S.acc.data() + g * acc_len, S, prefetch ? &next : nullptr);
    }
  }

  const size_t stride = N / functions;
  for (size_t g = 0; g < count; ++g)
    for (size_t j = 0; j < functions; ++j)
      sample_extract_at(L.k, L.N, S.acc.data() + g * acc_len, j * stride, outs[g * functions + j]);
}

// Keyswitch + PBS of `count` ciphertexts (count <= S.capacity), keys streamed once per group;
// `functions` outputs per ciphertext (blind_rotate_group).
void pbs_group(const EvaluationKeys& keys, const Torus* const* ins, const Torus* const* luts, Torus* const* outs,
               size_t count, GroupScratch& S, size_t functions = 1) {
  const Params& p = keys.params;
  const KeyLayout& L = S.L;
  u32* smalls[kMaxPbsGroup];
  const u32* switched[kMaxPbsGroup];
  for (size_t g = 0; g < count; ++g) smalls[g] = S.small.data() + g * (L.n + 1);
  keyswitch_group(p, keys.ksk.data(), ins, smalls, count, S.ks_digits.data());
  for (size_t g = 0; g < count; ++g) {
    u32* sw = S.switched.data() + g * (L.n + 1);
    modulus_switch_centered(p, smalls[g], sw);
    switched[g] = sw;
  }
  blind_rotate_group(keys, switched, luts, outs, count, S, functions);
}

// The grouped batch (pbs_batch_luts), `functions` outputs per ciphertext ([ciphertext][function]).
std::unique_ptr<LweCiphertextBatch> pbs_batch_impl(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                                   const u32* table_index, const Torus* luts, size_t num_tables,
                                                   size_t functions, const PbsBatchOptions& options);

// ---- the reference: the per-ciphertext loop, unchanged ----

struct ReferenceScratch {
  KeyLayout L;
  AlignedBuffer<u32> small;
  AlignedBuffer<Torus> acc, tmp;
  AlignedBuffer<u32> switched;
  AlignedBuffer<i64> digits, ks_digits;
  AlignedBuffer<double> f, out_f;
  explicit ReferenceScratch(const KeyLayout& l)
      : L(l), small(l.n + 1), acc((l.k + 1) * l.N), tmp((l.k + 1) * l.N), switched(l.n + 1),
        digits((l.k + 1) * l.N * l.l_pbs), ks_digits(l.big * l.l_ks), f(l.N), out_f((l.k + 1) * l.N) {}
};

}  // namespace

void keyswitch_pbs_reference(const EvaluationKeys& keys, const Torus* in, const Torus* lut, Torus* out) {
  const Params& p = keys.params;
  const KeyLayout L(p);
  ReferenceScratch S(L);
  const FftPlan& plan = fft_plan(p.polynomial_size.value);
  const Kernels& K = kernels();
  const size_t N = L.N, M = plan.m, kp1 = L.k + 1;
  const unsigned beta = unsigned(p.pbs.base_log.value);

  keyswitch(p, keys.ksk.data(), in, S.small.data(), S.ks_digits.data());
  modulus_switch_centered(p, S.small.data(), S.switched.data());

  Torus* acc = S.acc.data();
  for (size_t t = 0; t < L.k * N; ++t) acc[t] = 0;
  rotate_lut(lut, N, S.switched[L.n], acc + L.k * N);

  // One GGSW polynomial at a time in split form, read out of the blocked layout.
  const FourierGgswLayout G = L.fourier_ggsw_layout();
  AlignedBuffer<double> b(N);
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
        K.forward_i64(plan, S.digits.data() + level * kp1 * N + r * N, S.f.data(), S.f.data() + M, nullptr);
        const size_t row = r * L.l_pbs + level;
        for (size_t c = 0; c < kp1; ++c) {
          G.load(ggsw, row * kp1 + c, b.data(), b.data() + M);
          K.mac(M, of + c * N, of + c * N + M, S.f.data(), S.f.data() + M, b.data(), b.data() + M);
        }
      }
    }
    for (size_t c = 0; c < kp1; ++c) K.backward_add_torus(plan, of + c * N, of + c * N + M, acc + c * N, nullptr);
  }
  sample_extract(L.k, L.N, acc, out);
}

void keyswitch_pbs(const EvaluationKeys& keys, const Torus* in, const Torus* lut, Torus* out) {
  const KeyLayout L(keys.params);
  pbs_group(keys, &in, &lut, &out, 1, group_scratch(L, 1));
}

void keyswitch_pbs_many_luts(const EvaluationKeys& keys, const Torus* in, const Torus* const* luts, Torus* const* outs,
                             size_t count) {
  const Params& p = keys.params;
  const KeyLayout L(p);
  const size_t group = std::min(count, kMaxPbsGroup);
  if (group == 0) return;
  GroupScratch& S = group_scratch(L, group);
  // One keyswitch (the same one keyswitch_group computes for a group of one) and one modulus
  // switch; every LUT then reads that same switched ciphertext.
  u32* small = S.small.data();
  keyswitch_group(p, keys.ksk.data(), &in, &small, 1, S.ks_digits.data());
  u32* sw = S.switched.data();
  modulus_switch_centered(p, small, sw);
  const u32* switched[kMaxPbsGroup];
  for (size_t g = 0; g < group; ++g) switched[g] = sw;
  for (size_t start = 0; start < count; start += group) {
    const size_t n = std::min(group, count - start);
    blind_rotate_group(keys, switched, luts + start, outs + start, n, S);
  }
}

size_t pbs_auto_group_size(size_t count, size_t threads) {
  return std::max<size_t>(1, std::min(kDefaultPbsGroup, (count + threads - 1) / threads));
}

size_t pbs_thread_scratch_bytes(const KeyLayout& layout, size_t group) {
  return GroupScratchSizes(layout, group).bytes();
}

std::unique_ptr<LweCiphertextBatch> pbs_batch(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                              const u32* table_index, const i64* tables, size_t num_tables,
                                              const PbsBatchOptions& options) {
  const Params& p = keys.params;
  FHE_CHECK(num_tables >= 1, "PBS needs at least one table");
  const size_t N = p.polynomial_size.value, P = p.message_modulus();
  AlignedBuffer<Torus> luts(num_tables * N);
  for (size_t t = 0; t < num_tables; ++t) build_lut(p, tables + t * P, luts.data() + t * N);
  return pbs_batch_luts(keys, in, table_index, luts.data(), num_tables, options);
}

std::unique_ptr<LweCiphertextBatch> pbs_batch_luts(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                                   const u32* table_index, const Torus* luts, size_t num_tables,
                                                   const PbsBatchOptions& options) {
  return pbs_batch_impl(keys, in, table_index, luts, num_tables, 1, options);
}

std::unique_ptr<LweCiphertextBatch> pbs_batch_many(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                                   const u32* table_index, const i64* tables, size_t num_tables,
                                                   size_t functions, const PbsBatchOptions& options) {
  const Params& p = keys.params;
  const size_t N = p.polynomial_size.value, P = p.message_modulus();
  FHE_CHECK(functions >= 1 && functions <= P && is_pow2(functions), "multi-value PBS: functions must be a power of two in 1..",
            P, " (p of the ", p.message_bits, "-bit set), got ", functions);
  FHE_CHECK(num_tables >= 1, "PBS needs at least one table");
  // A packed table is an ordinary p-entry table (function j at entries [j p/F, (j+1) p/F)), so its
  // LUT polynomial is the ordinary one: rotating by an input x < p/F puts entry x + j p/F, that
  // is f_j(x), at coefficient j N/F.
  AlignedBuffer<Torus> luts(num_tables * N);
  for (size_t t = 0; t < num_tables; ++t) build_lut(p, tables + t * P, luts.data() + t * N);
  return pbs_batch_impl(keys, in, table_index, luts.data(), num_tables, functions, options);
}

namespace {

std::unique_ptr<LweCiphertextBatch> pbs_batch_impl(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                                   const u32* table_index, const Torus* luts, size_t num_tables,
                                                   size_t functions, const PbsBatchOptions& options) {
  const Params& p = keys.params;
  FHE_CHECK(in.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Evaluation keys (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", in.dimension.value);
  FHE_CHECK(num_tables >= 1, "PBS needs at least one table");
  FHE_CHECK(options.group_size <= kMaxPbsGroup, "PBS group size must be in 0..", kMaxPbsGroup, " (0 = automatic), got ",
            options.group_size);
  for (size_t i = 0; i < in.count; ++i)
    FHE_CHECK(table_index[i] < num_tables, "table index ", table_index[i], " for ciphertext ", i,
              " out of range (", num_tables, " tables)");
  const KeyLayout L(p);
  const size_t N = L.N;
  auto out = std::make_unique<LweCiphertextBatch>(in.dimension, in.count * functions);
  if (in.count == 0) return out;

  // Group size: the requested one, else the default lowered until every thread has a group, and
  // evened out so that the groups differ by at most one ciphertext.
  ThreadPool& pool = ThreadPool::global();
  const size_t target = options.group_size ? options.group_size : pbs_auto_group_size(in.count, pool.threads());
  const size_t groups = (in.count + target - 1) / target;
  const size_t base = in.count / groups, extra = in.count % groups;  // first `extra` groups get base+1
  std::atomic<size_t> done{0};
  pool.parallel_for(groups, [&](size_t gi, size_t) {
    const size_t start = gi * base + std::min(gi, extra), count = base + (gi < extra ? 1 : 0);
    const Torus* ins[kMaxPbsGroup];
    const Torus* lps[kMaxPbsGroup];
    std::vector<Torus*> outs(count * functions);
    for (size_t g = 0; g < count; ++g) {
      ins[g] = in.ct(start + g);
      lps[g] = luts + size_t(table_index[start + g]) * N;
      for (size_t j = 0; j < functions; ++j) outs[g * functions + j] = out->ct((start + g) * functions + j);
    }
    pbs_group(keys, ins, lps, outs.data(), count, group_scratch(L, count), functions);
    const size_t now = done.fetch_add(count) + count;
    if (options.progress && *options.progress) (*options.progress)(now, in.count);
  });
  return out;
}

}  // namespace

}  // namespace fhe
