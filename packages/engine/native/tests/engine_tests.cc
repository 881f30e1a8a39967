// Native tests of the engine's algorithms (no Node): the paths the TypeScript tests reach through
// the addon, run here under ASan + UBSan (scripts/sanitize.sh) on small parameter sets. Every test
// checks results, not just that nothing crashed: decryptions equal the clear computation, grouped
// PBS equals the reference loop bit for bit under every kernel variant, seeded keys expand to the
// same bits, formats round-trip.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "algorithms/circuit_bootstrap.h"
#include "algorithms/crt_residues.h"
#include "algorithms/lookup_table.h"
#include "algorithms/lwe_dot_product.h"
#include "algorithms/lwe_encryption.h"
#include "algorithms/lwe_linear_algebra.h"
#include "algorithms/lwe_packing_keyswitch_key_generation.h"
#include "algorithms/lwe_programmable_bootstrap.h"
#include "algorithms/serialization.h"
#include "algorithms/vertical_packing.h"
#include "algorithms/wop_lookup.h"
#include "commons/fft/fft.h"
#include "commons/noise_sampler.h"
#include "commons/security.h"
#include "commons/thread_pool.h"
#include "tests/fixtures.h"
#include "tests/harness.h"

namespace fhe::testing {
namespace {

std::vector<i64> decrypt(const ClientKey& k, const LweCiphertextBatch& b) {
  std::vector<i64> out(b.count);
  decrypt_decode(k, b, out.data());
  return out;
}

bool same_bits(const LweCiphertextBatch& a, const LweCiphertextBatch& b) {
  return a.dimension == b.dimension && a.count == b.count &&
         std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(Torus)) == 0;
}

// Signed distance between a phase and the expected torus value.
i64 torus_error(Torus phase, Torus expected) { return i64(phase - expected); }

TEST_CASE("security rule: both lines, both noise kinds, the findings of issue 16") {
  EXPECT(noise_security_problem(NoiseDistribution::tuniform(53), 600, "LWE").find("TU(54)") != std::string::npos);
  EXPECT(noise_security_problem(NoiseDistribution::tuniform(54), 600, "LWE").empty());
  EXPECT(noise_security_problem(NoiseDistribution::tuniform(45), 918, "LWE").empty());   // published 4-bit set
  EXPECT(noise_security_problem(NoiseDistribution::tuniform(17), 2048, "GLWE").empty());
  EXPECT(!noise_security_problem(NoiseDistribution::tuniform(16), 2048, "GLWE").empty());
  EXPECT(noise_security_problem(NoiseDistribution::gaussian_log2(44.16), 904, "LWE").empty());  // published 4-bit
  EXPECT(!noise_security_problem(NoiseDistribution::gaussian_log2(44.16 - 0.3), 904, "LWE").empty());
  EXPECT(noise_security_problem(NoiseDistribution::tuniform(62), 449, "LWE").find("< 450") != std::string::npos);
  EXPECT_THROWS(check_secure(params_k1()), "insecure parameters: LWE key (dimension 128");
}

TEST_CASE("noise samplers: every TUniform bound 0..62 and Gaussian up to 2^59 stay in range") {
  ChaCha20Stream s(os_random_key(), StreamDomain::Test, 0);
  for (unsigned b = 0; b <= kMaxTUniformBoundLog2; ++b) {
    NoiseSampler ns(NoiseDistribution::tuniform(b), s);
    i64 lo = 0, hi = 0;
    for (int i = 0; i < 4000; ++i) {
      const i64 v = i64(ns.sample());
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      EXPECT(v >= -(i64(1) << b) && v <= (i64(1) << b), "TU(", b, ") sample ", v);
    }
    if (b >= 2) EXPECT(lo < 0 && hi > 0, "TU(", b, ") samples all on one side: ", lo, "..", hi);
  }
  for (double l : {-5.0, 0.0, 2.0, 30.0, 45.5, 59.0}) {
    NoiseSampler ns(NoiseDistribution::gaussian_log2(l), s);
    double sum2 = 0;
    const int count = 4000;
    for (int i = 0; i < count; ++i) sum2 += std::pow(double(i64(ns.sample())), 2);
    if (l >= 2) {
      const double ratio = std::sqrt(sum2 / count) / std::exp2(l);
      EXPECT(ratio > 0.9 && ratio < 1.1, "Gaussian 2^", l, " std ratio ", ratio);
    }
  }
}

TEST_CASE("encryption: every message round-trips; decrypt refuses a foreign dimension") {
  for (const Params& p : {params_k1(), params_k2()}) {
    auto ck = generate_client_key(p);
    std::vector<i64> msgs;
    for (size_t m = 0; m < 2 * p.message_modulus(); ++m) msgs.push_back(i64(m));
    auto ct = encrypt_big(*ck, msgs.data(), msgs.size());
    EXPECT(decrypt(*ck, *ct) == msgs);
    LweCiphertextBatch other(LweDimension(p.big_lwe_dimension().value + 1), 1);
    EXPECT_THROWS(decrypt(*ck, other), "Mismatched LweDimension");
  }
}

TEST_CASE("linear algebra and dot products equal the clear computation; bad indices are errors") {
  const Params p = params_k1();
  auto ck = generate_client_key(p);
  const i64 P2 = 2 * i64(p.message_modulus());
  const std::vector<i64> a = {0, 1, 2, 3, 1}, b = {3, 3, 1, 0, 2};
  auto ca = encrypt_big(*ck, a.data(), a.size());
  auto cb = encrypt_big(*ck, b.data(), b.size());
  auto mod = [&](i64 v) { return ((v % P2) + P2) % P2; };
  {
    auto sum = lwe_add(*ca, *cb, false), diff = lwe_add(*ca, *cb, true);
    const i64 w = 3, c = 5;
    auto scaled = lwe_mul_clear(*ca, &w, 1);
    auto shifted = lwe_add_clear(p, *ca, &c, 1);
    const auto s = decrypt(*ck, *sum), d = decrypt(*ck, *diff), m = decrypt(*ck, *scaled), h = decrypt(*ck, *shifted);
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT(s[i] == mod(a[i] + b[i]) && d[i] == mod(a[i] - b[i]) && m[i] == mod(3 * a[i]) && h[i] == mod(a[i] + 5), i);
    }
  }
  {
    const u32 idx[] = {4, 0, 0};
    auto g = lwe_gather(*ca, idx, 3);
    EXPECT((decrypt(*ck, *g) == std::vector<i64>{1, 0, 0}));
    auto sc = lwe_scatter(*ca, idx, *g);  // positions 4, 0, 0 get a[4], a[0], a[0]
    EXPECT((decrypt(*ck, *sc) == std::vector<i64>{0, 1, 2, 3, 1}));
    auto cat = lwe_concat({ca.get(), cb.get()});
    EXPECT(cat->count == 10 && decrypt(*ck, *cat)[7] == b[2]);
    const u32 bad[] = {5};
    EXPECT_THROWS(lwe_gather(*ca, bad, 1), "gather index 5 at position 0 out of range");
    EXPECT_THROWS(lwe_scatter(*ca, bad, *lwe_gather(*ca, idx, 1)), "scatter index 5");
    EXPECT_THROWS(lwe_add(*ca, *g, false), "Mismatched ciphertext counts");
  }
  {
    // 3 x 5 weights with zeros (pruned), bias; out = W a + bias.
    const std::vector<i64> W = {1, 0, -1, 2, 0, 0, 0, 0, 0, 0, 3, 1, 1, 1, -2}, bias = {1, 0, -1};
    const CsrMatrix m = csr_from_dense(W.data(), 3, 5);
    EXPECT(m.values.size() == 8);
    auto out = lwe_dot(p, *ca, m, bias.data());
    const auto got = decrypt(*ck, *out);
    for (size_t r = 0; r < 3; ++r) {
      i64 v = bias[r];
      for (size_t c = 0; c < 5; ++c) v += W[r * 5 + c] * a[c];
      EXPECT(got[r] == mod(v), "row ", r);
    }
    CsrMatrix broken = m;
    broken.indices[2] = 9;
    EXPECT_THROWS(lwe_dot(p, *ca, broken, nullptr), "CSR column index 9");
    broken = m;
    broken.indptr[1] = 100;
    EXPECT_THROWS(lwe_dot(p, *ca, broken, nullptr), "CSR");
  }
}

// Every kernel variant this CPU has, restored afterwards.
template <typename F>
void for_each_kernel_variant(F&& f) {
  const std::string before = kernels().name;
  for (const char* v : {"generic", "avx2", "avx512"})
    if (select_kernels(v)) f(v);
  select_kernels(before);
}

TEST_CASE("PBS: grouped batches equal the reference loop bit for bit (groups, threads, kernels) and decrypt to f") {
  for (const Params& p : {params_k1(), params_k2()}) {
    const KeySet ks = make_keys(p);
    const size_t P = p.message_modulus();
    std::vector<i64> msgs;
    for (size_t i = 0; i < 11; ++i) msgs.push_back(i64(i % P));
    auto in = encrypt_big(*ks.client, msgs.data(), msgs.size());
    std::vector<i64> tables(2 * P);
    for (size_t i = 0; i < P; ++i) tables[i] = i64((3 * i + 1) % P), tables[P + i] = i64(P - 1 - i);
    std::vector<u32> index(msgs.size());
    for (size_t i = 0; i < index.size(); ++i) index[i] = u32(i % 2);
    const size_t N = p.polynomial_size.value;
    std::vector<Torus> luts(2 * N);
    build_lut(p, tables.data(), luts.data());
    build_lut(p, tables.data() + P, luts.data() + N);
    for_each_kernel_variant([&](const char* variant) {
      LweCiphertextBatch ref(in->dimension, in->count);
      for (size_t i = 0; i < in->count; ++i) keyswitch_pbs_reference(*ks.keys, in->ct(i), luts.data() + index[i] * N, ref.ct(i));
      const auto clear = decrypt(*ks.client, ref);
      for (size_t i = 0; i < msgs.size(); ++i)
        EXPECT(clear[i] == tables[index[i] * P + size_t(msgs[i])], variant, " k=", p.glwe_dimension.value, " ct ", i);
      for (size_t threads : {1, 2}) {
        ThreadPool::global().set_threads(threads);
        for (size_t group : {0, 1, 2, 3, 8, 11}) {
          PbsBatchOptions o;
          o.group_size = group;
          size_t last = 0;
          PbsProgress progress = [&](size_t done, size_t total) {
            if (threads == 1) EXPECT(done > last && total == msgs.size());
            last = std::max(last, done);
          };
          o.progress = &progress;
          auto got = pbs_batch(*ks.keys, *in, index.data(), tables.data(), 2, o);
          EXPECT(same_bits(*got, ref), variant, " k=", p.glwe_dimension.value, " threads ", threads, " group ", group);
          EXPECT(last == msgs.size());
        }
      }
      LweCiphertextBatch one(in->dimension, 1);
      keyswitch_pbs(*ks.keys, in->ct(3), luts.data() + index[3] * N, one.ct(0));
      EXPECT(std::memcmp(one.ct(0), ref.ct(3), one.stride() * sizeof(Torus)) == 0, variant);
    });
    ThreadPool::global().set_threads(2);
    EXPECT_THROWS(pbs_batch(*ks.keys, *in, std::vector<u32>(msgs.size(), 2).data(), tables.data(), 2), "table index 2");
    PbsBatchOptions big;
    big.group_size = kMaxPbsGroup + 1;
    EXPECT_THROWS(pbs_batch(*ks.keys, *in, index.data(), tables.data(), 2, big), "group size");
    LweCiphertextBatch wrong(p.lwe_dimension, 1);
    EXPECT_THROWS(pbs_batch(*ks.keys, wrong, index.data(), tables.data(), 2), "Mismatched LweDimension");
  }
}

TEST_CASE("multi-value PBS: F functions of an input x < p/F from one blind rotation, any group size") {
  for (const Params& p : {params_k1(), params_k2()}) {
    const KeySet ks = make_keys(p);
    const size_t P = p.message_modulus();
    for (size_t F = 1; F <= P; F *= 2) {
      const size_t width = P / F;
      std::vector<i64> msgs;
      for (size_t i = 0; i < 9; ++i) msgs.push_back(i64(i % width));
      auto in = encrypt_big(*ks.client, msgs.data(), msgs.size());
      // Two packed tables: function j of table t at entries [j width, (j+1) width).
      std::vector<i64> tables(2 * P);
      for (size_t e = 0; e < 2 * P; ++e) tables[e] = i64((5 * e + 3) % P);
      std::vector<u32> index(msgs.size());
      for (size_t i = 0; i < index.size(); ++i) index[i] = u32(i % 2);
      std::unique_ptr<LweCiphertextBatch> first;
      for (size_t group : {0, 1, 4}) {
        PbsBatchOptions o;
        o.group_size = group;
        auto got = pbs_batch_many(*ks.keys, *in, index.data(), tables.data(), 2, F, o);
        EXPECT(got->count == msgs.size() * F);
        const auto clear = decrypt(*ks.client, *got);
        for (size_t i = 0; i < msgs.size(); ++i)
          for (size_t j = 0; j < F; ++j)
            EXPECT(clear[i * F + j] == tables[index[i] * P + j * width + size_t(msgs[i])], "k=", p.glwe_dimension.value,
                   " F=", F, " ct ", i, " function ", j);
        if (first) EXPECT(same_bits(*got, *first), "F=", F, " group ", group);
        else first = std::move(got);
      }
      if (F == 1) EXPECT(same_bits(*first, *pbs_batch(*ks.keys, *in, index.data(), tables.data(), 2)));
    }
    auto in = encrypt_big(*ks.client, std::vector<i64>{0}.data(), 1);
    std::vector<i64> table(P, 0);
    u32 zero = 0;
    EXPECT_THROWS(pbs_batch_many(*ks.keys, *in, &zero, table.data(), 1, 3), "power of two");
    EXPECT_THROWS(pbs_batch_many(*ks.keys, *in, &zero, table.data(), 1, 2 * P), "power of two");
  }
}

TEST_CASE("PBS sizes the engine reports: automatic group size and per-thread scratch") {
  EXPECT(pbs_auto_group_size(0, 2) == 1 && pbs_auto_group_size(3, 2) == 2 && pbs_auto_group_size(100, 2) == kDefaultPbsGroup);
  const KeyLayout L(params_k1());
  // Per ciphertext: keyswitched (n+1)*4 (mod 2^32), switched (n+1)*4, accumulator (k+1)N*8,
  // keyswitch digits l_ks*128*8; once: the digits' transforms (k+1)l*N*8, Fourier outputs (k+1)N*8.
  const size_t per_ct = 129 * 8 + 2 * 512 * 8 + 4 * 128 * 8, fixed = 2 * 512 * 8 + 2 * 512 * 8;
  EXPECT(pbs_thread_scratch_bytes(L, 3) == 3 * per_ct + fixed, pbs_thread_scratch_bytes(L, 3));
  EXPECT(wop_neuron_chunk(1, 2) == 1 && wop_neuron_chunk(100, 2) == 4 && wop_neuron_chunk(100, 1) == 2);
}

TEST_CASE("seeded evaluation keys expand to the very bits keygen wrote") {
  for (const Params& p : {params_k1(), params_k2()}) {
    const KeySet ks = make_keys(p);
    const KeyLayout L(p);
    EvaluationKeys expanded;
    expanded.params = p;
    expanded.fourier_bsk.resize(L.fourier_bsk_len());
    expanded.ksk.resize(L.ksk_len());
    expand_bsk_range(p, ks.seeded->mask_seed, ks.seeded->bsk_bodies.data(), expanded.fourier_bsk.data(), 0, L.n);
    expand_ksk_rows(p, ks.seeded->mask_seed, ks.seeded->ksk_bodies.data(), expanded.ksk.data(), 0, L.ksk_rows());
    EXPECT(std::memcmp(expanded.fourier_bsk.data(), ks.keys->fourier_bsk.data(), L.fourier_bsk_len() * 8) == 0);
    EXPECT(std::memcmp(expanded.ksk.data(), ks.keys->ksk.data(), L.ksk_len() * sizeof(u32)) == 0);
    EXPECT_THROWS(expand_bsk_range(p, ks.seeded->mask_seed, ks.seeded->bsk_bodies.data(), expanded.fourier_bsk.data(), 0,
                                   L.n + 1),
                  "BSK range");
  }
}

TEST_CASE("formats: every object round-trips byte for byte; foreign parameters are named") {
  const Params p = params_k1();
  const KeySet ks = make_keys(p);
  Fingerprint fp;
  for (int i = 0; i < 32; ++i) fp.bytes[i] = u8(i * 7);
  const std::vector<i64> msgs = {0, 1, 2, 3};
  auto ct = encrypt_big(*ks.client, msgs.data(), msgs.size());
  auto bytes_of = [&](const auto& obj, auto... extra) {
    std::vector<u8> out(serialized_size(obj));
    serialize(obj, extra..., fp, out.data(), out.size());
    return out;
  };
  const auto ck_bytes = bytes_of(*ks.client);
  const auto ek_bytes = bytes_of(*ks.keys);
  const auto sk_bytes = bytes_of(*ks.seeded);
  const auto ct_bytes = bytes_of(*ct, p);
  EXPECT(bytes_of(*deserialize_client_key(ck_bytes.data(), ck_bytes.size(), p, fp)) == ck_bytes);
  EXPECT(bytes_of(*deserialize_evaluation_keys(ek_bytes.data(), ek_bytes.size(), p, fp)) == ek_bytes);
  EXPECT(bytes_of(*deserialize_seeded_keys(sk_bytes.data(), sk_bytes.size(), p, fp)) == sk_bytes);
  EXPECT(bytes_of(*deserialize_ciphertexts(ct_bytes.data(), ct_bytes.size(), p, fp), p) == ct_bytes);
  Params other = p;
  other.lwe_dimension = LweDimension(130);
  other.glwe_noise = NoiseDistribution::tuniform(3);
  EXPECT_THROWS(deserialize_client_key(ck_bytes.data(), ck_bytes.size(), other, fp),
                "(lweDimension expected 130, got 128; glweNoise expected TU(3), got TU(2))");
  Fingerprint fp2 = fp;
  fp2.bytes[0] ^= 1;
  EXPECT_THROWS(deserialize_ciphertexts(ct_bytes.data(), ct_bytes.size(), p, fp2), "same numbers, fingerprint differs");
}

// WoP-PBS set on the small key: PBS 12/3 so circuit-bootstrapped GGSWs are precise enough.
WopParams small_wop() {
  WopParams w;
  w.params = small_params(6, 128, 1, 512, dec(12, 3), dec(4, 4));
  w.cbs = dec(5, 4);
  w.pfks = dec(17, 2);
  w.validate();
  return w;
}

TEST_CASE("WoP-PBS: residue PBS, circuit bootstrapping + vertical packing, batched lookup (1 and 2 threads)") {
  const WopParams w = small_wop();
  const Params& p = w.params;
  const KeySet ks = make_keys(p);
  auto pfks = generate_pfks_keys(*ks.client, w);
  auto seeded = generate_pfks_seeded(*ks.client, w);
  EXPECT(expand_pfks(*seeded)->data.size() == pfks->data.size());
  const u32 moduli[] = {3, 5};
  const size_t t = check_moduli(p, moduli, 2);
  EXPECT(t == 5);
  EXPECT_THROWS(check_moduli(p, std::vector<u32>{9, 15}.data(), 2), "not coprime");
  // Neurons u = 0..14: residues (u mod 3, u mod 5) encrypted as r * round(2^64/p).
  const size_t neurons = 15;
  std::vector<Torus> residues;
  for (u64 u = 0; u < neurons; ++u)
    for (u32 m : moduli) residues.push_back(Torus(u % m) * residue_delta(m));
  auto in = encrypt_big_torus(*ks.client, residues.data(), residues.size());
  {
    // Residue PBS: g(r) = (r + 1 mod 5) * 2^60 on the mod-5 residues.
    std::vector<Torus> values(5), lut(p.polynomial_size.value);
    for (u32 r = 0; r < 5; ++r) values[r] = Torus((r + 1) % 5) << 60;
    build_residue_lut(p, 5, values.data(), lut.data());
    std::vector<u32> index(in->count, 0);
    auto out = pbs_batch_luts(*ks.keys, *in, index.data(), lut.data(), 1);
    std::vector<Torus> phase(out->count);
    decrypt_phase(*ks.client, *out, phase.data());
    for (size_t i = 1; i < out->count; i += 2) {  // the mod-5 residues
      const u64 u = i / 2;
      EXPECT(std::llabs(torus_error(phase[i], values[u % 5])) < (i64(1) << 52), "residue PBS u = ", u);
    }
  }
  // Table over u in [0, 15): T(u) = (u * 7 mod 16) * 2^59; two outputs per table (T and T + 2^62).
  std::vector<Torus> table(neurons), table2(neurons);
  for (u64 u = 0; u < neurons; ++u) table[u] = Torus((u * 7) % 16) << 59, table2[u] = table[u] + (Torus(1) << 62);
  std::vector<Torus> luts(2 << t);
  build_crt_lut(p, moduli, 2, table.data(), luts.data());
  build_crt_lut(p, moduli, 2, table2.data(), luts.data() + (size_t(1) << t));
  {
    FourierGgswList g(1, p.polynomial_size.value, w.cbs, t);
    const Torus* res[] = {in->ct(2 * 7), in->ct(2 * 7 + 1)};  // neuron u = 7
    circuit_bootstrap(*ks.keys, *pfks, res, moduli, 2, g);
    LweCiphertextBatch out(p.big_lwe_dimension(), 1);
    vertical_packing(g, 0, t, luts.data(), out.ct(0));
    Torus phase;
    decrypt_phase(*ks.client, out, &phase);
    EXPECT(std::llabs(torus_error(phase, table[7])) < (i64(1) << 56), "vertical packing u = 7");
    EXPECT_THROWS(vertical_packing(g, 1, t, luts.data(), out.ct(0)), "outside the list");
  }
  std::unique_ptr<LweCiphertextBatch> first;
  for (size_t threads : {1, 2}) {
    ThreadPool::global().set_threads(threads);
    std::vector<u32> table_index(neurons, 0);
    size_t last = 0;
    WopProgress progress = [&](size_t done, size_t total) {
      EXPECT(total == neurons);
      last = std::max(last, done);
    };
    auto out = wop_lookup(*ks.keys, *pfks, *in, moduli, 2, table_index.data(), luts.data(), 1, 2, &progress);
    EXPECT(last == neurons && out->count == 2 * neurons);
    std::vector<Torus> phase(out->count);
    decrypt_phase(*ks.client, *out, phase.data());
    for (u64 u = 0; u < neurons; ++u) {
      EXPECT(std::llabs(torus_error(phase[2 * u], table[u])) < (i64(1) << 56), "lookup u = ", u);
      EXPECT(std::llabs(torus_error(phase[2 * u + 1], table2[u])) < (i64(1) << 56), "lookup u = ", u, " output 2");
    }
    if (first) EXPECT(same_bits(*out, *first), "same bits on 1 and 2 threads");
    else first = std::move(out);
  }
  ThreadPool::global().set_threads(2);
  Fingerprint fp{};
  std::vector<u8> bytes(serialized_size(*seeded));
  serialize(*seeded, fp, bytes.data(), bytes.size());
  auto back = deserialize_seeded_packing_keys(bytes.data(), bytes.size(), w, fp);
  EXPECT(std::memcmp(back->bodies.data(), seeded->bodies.data(), seeded->bodies.size() * 8) == 0);
  WopParams w2 = w;
  w2.cbs = dec(6, 3);
  EXPECT_THROWS(deserialize_seeded_packing_keys(bytes.data(), bytes.size(), w2, fp), "circuit bootstrapping decomposition");
}

TEST_CASE("thread pool: every index once, nested calls run serially, the first exception reaches the caller") {
  ThreadPool& pool = ThreadPool::global();
  pool.set_threads(2);
  std::vector<int> hits(1000, 0);
  pool.parallel_for(hits.size(), [&](size_t i, size_t) {
    hits[i]++;
    pool.parallel_for(3, [&](size_t, size_t) {});
  });
  EXPECT(std::count(hits.begin(), hits.end(), 1) == 1000);
  EXPECT_THROWS(pool.parallel_for(100, [](size_t i, size_t) { FHE_CHECK(i != 57, "item ", i, " failed"); }), "item 57 failed");
}

TEST_CASE("FFT: negacyclic products are exact for small operands under every kernel variant") {
  for_each_kernel_variant([](const char* variant) {
    for (size_t N : {8, 16, 32, 64, 256, 2048, 8192}) {
      const FftPlan& plan = fft_plan(N);
      Rng rng(N);
      std::vector<i64> a(N), b(N);
      for (auto& x : a) x = i64(rng.below(1 << 20)) - (1 << 19);
      for (auto& x : b) x = i64(rng.below(1 << 10)) - (1 << 9);
      std::vector<i64> want(N, 0);
      for (size_t i = 0; i < N; ++i)
        for (size_t j = 0; j < N; ++j) {
          const i64 prod = a[i] * b[j];
          if (i + j < N) want[i + j] += prod;
          else want[i + j - N] -= prod;
        }
      AlignedBuffer<double> fa(N), fb(N), acc(N);
      kernels().forward_i64(plan, a.data(), fa.data(), fa.data() + plan.m, nullptr);
      kernels().forward_i64(plan, b.data(), fb.data(), fb.data() + plan.m, nullptr);
      acc.zero();
      kernels().mac(plan.m, acc.data(), acc.data() + plan.m, fa.data(), fa.data() + plan.m, fb.data(), fb.data() + plan.m);
      std::vector<Torus> got(N, 0);
      kernels().backward_add_torus(plan, acc.data(), acc.data() + plan.m, got.data(), nullptr);
      for (size_t i = 0; i < N; ++i) EXPECT(i64(got[i]) == want[i], variant, " N=", N, " coefficient ", i);
    }
  });
}

TEST_CASE("FFT: a prefetch stream gets exactly FftPlan::prefetch_steps steps per transform") {
  for_each_kernel_variant([](const char* variant) {
    for (size_t N : {8, 16, 32, 64, 512, 2048, 4096, 8192, 65536}) {
      const FftPlan& plan = fft_plan(N);
      std::vector<i64> a(N, 1);
      AlignedBuffer<double> f(N);
      std::vector<Torus> acc(N, 0);
      // One line per step plus one: exactly one line must be left after one transform.
      std::vector<char> lines(64 * (plan.prefetch_steps + 1));
      PrefetchStream pf;
      pf.start(lines.data(), lines.size(), plan.prefetch_steps + 1);
      kernels().forward_i64(plan, a.data(), f.data(), f.data() + plan.m, &pf);
      EXPECT(pf.end - pf.next == 64, variant, " N=", N, " forward: ", (pf.end - pf.next) / 64, " lines left");
      pf.start(lines.data(), lines.size(), plan.prefetch_steps + 1);
      kernels().backward_add_torus(plan, f.data(), f.data() + plan.m, acc.data(), &pf);
      EXPECT(pf.end - pf.next == 64, variant, " N=", N, " backward: ", (pf.end - pf.next) / 64, " lines left");
    }
  });
}

}  // namespace
}  // namespace fhe::testing
