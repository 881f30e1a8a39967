// Test and benchmark hooks, exported as `testing` apart from the public surface (typed by
// src/native.ts NativeTesting): reference loops the optimized paths are compared with, the
// pieces of the WoP-PBS one at a time, timing loops, raw samplers. No secret material crosses
// them (sampleNoise draws from a fresh OS-seeded test stream, never a key's).
#include <chrono>
#include <cstring>

#include "algorithms/circuit_bootstrap.h"
#include "algorithms/crt_residues.h"
#include "algorithms/lookup_table.h"
#include "algorithms/lwe_keyswitch.h"
#include "algorithms/lwe_programmable_bootstrap.h"
#include "algorithms/vertical_packing.h"
#include "bindings/arguments.h"
#include "bindings/exports.h"
#include "bindings/handles.h"
#include "commons/fft/fft.h"
#include "commons/noise_sampler.h"
#include "commons/security.h"
#include "commons/tfhers_csprng.h"
#include "entities/key_layout.h"

namespace fhe::bindings {

namespace {

// The per-ciphertext reference loop (keyswitch_pbs_reference), one thread.
Napi::Value PbsReference(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  PbsArgs a = pbs_args(info, k, b);
  const Params& p = k.params;
  FHE_CHECK(b.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Evaluation keys (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", b.dimension.value);
  for (size_t i = 0; i < b.count; ++i)
    FHE_CHECK(a.table_index[i] < a.num_tables, "table index ", a.table_index[i], " for ciphertext ", i,
              " out of range (", a.num_tables, " tables)");
  const size_t N = p.polynomial_size.value, P = p.message_modulus();
  std::vector<Torus> luts(a.num_tables * N);
  for (size_t t = 0; t < a.num_tables; ++t) build_lut(p, a.tables.data() + t * P, luts.data() + t * N);
  auto out = std::make_unique<LweCiphertextBatch>(b.dimension, b.count);
  for (size_t i = 0; i < b.count; ++i)
    keyswitch_pbs_reference(k, b.ct(i), luts.data() + size_t(a.table_index[i]) * N, out->ct(i));
  return wrap_batch(info.Env(), std::move(out));
}

Napi::Value SelectKernels(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) fail("selectKernels: expected 'generic', 'avx2' or 'avx512'");
  return Napi::Boolean::New(info.Env(), select_kernels(info[0].As<Napi::String>().Utf8Value()));
}

// Negacyclic product of a (BigInt64Array, N) by b (Int32Array, N) through the f64 FFT.
Napi::Value FftNegacyclicProduct(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array)
    fail("a: expected a BigInt64Array");
  auto a = info[0].As<Napi::BigInt64Array>();
  auto b = i32arr(info[1], "b");
  const size_t N = a.ElementLength();
  FHE_CHECK(b.ElementLength() == N && is_pow2(N) && N >= 4, "a and b must have the same power-of-two length >= 4");
  const FftPlan& plan = fft_plan(N);
  AlignedBuffer<double> fa(N), fb(N), acc(N);
  AlignedBuffer<i64> bi(N);
  for (size_t i = 0; i < N; ++i) bi[i] = b[i];
  kernels().forward_i64(plan, reinterpret_cast<const i64*>(a.Data()), fa.data(), fa.data() + plan.m, nullptr);
  kernels().forward_i64(plan, bi.data(), fb.data(), fb.data() + plan.m, nullptr);
  acc.zero();
  kernels().mac(plan.m, acc.data(), acc.data() + plan.m, fa.data(), fa.data() + plan.m, fb.data(), fb.data() + plan.m);
  auto out = Napi::BigInt64Array::New(info.Env(), N);
  std::vector<Torus> o(N, 0);
  kernels().backward_add_torus(plan, acc.data(), acc.data() + plan.m, o.data(), nullptr);
  std::memcpy(out.Data(), o.data(), N * 8);
  return out;
}

// Median-free timing loop: mean nanoseconds of one forward + one backward transform of size N.
Napi::Value BenchFft(const Napi::CallbackInfo& info) {
  const size_t N = size_arg(info, 0, "N", 1 << 17), iters = size_arg(info, 1, "iters", 1e9);
  FHE_CHECK(is_pow2(N) && N >= 64, "N must be a power of two >= 64");
  const FftPlan& plan = fft_plan(N);
  AlignedBuffer<i64> in(N);
  AlignedBuffer<double> f(N);
  std::vector<Torus> out(N, 0);
  for (size_t i = 0; i < N; ++i) in[i] = i64(i * 2654435761u % 1024) - 512;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t it = 0; it < iters; ++it) {
    kernels().forward_i64(plan, in.data(), f.data(), f.data() + plan.m, nullptr);
    kernels().backward_add_torus(plan, f.data(), f.data() + plan.m, out.data(), nullptr);
  }
  const auto t1 = std::chrono::steady_clock::now();
  return Napi::Number::New(info.Env(), std::chrono::duration<double, std::nano>(t1 - t0).count() / double(iters));
}

// Keyswitch only, timed (ns per ciphertext), for the benchmark table. Optional group size
// (default 1): ciphertexts keyswitched together, the KSK read once per group (keyswitch_group).
Napi::Value BenchKeyswitch(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  FHE_CHECK(b.dimension == k.params.big_lwe_dimension() && b.count >= 1, "batch must hold big-key ciphertexts");
  const size_t group = info.Length() > 2 && !info[2].IsUndefined() ? size_arg(info, 2, "group", double(kMaxPbsGroup)) : 1;
  FHE_CHECK(group >= 1, "group: expected 1..", kMaxPbsGroup, ", got 0");
  const KeyLayout L(k.params);
  std::vector<u32> out(group * (L.n + 1));
  std::vector<i64> digits(std::max(L.big * L.l_ks, group * L.l_ks * kKeyswitchChunk));
  std::vector<u32*> outs(group);
  std::vector<const Torus*> ins(group);
  for (size_t g = 0; g < group; ++g) outs[g] = out.data() + g * (L.n + 1);
  const auto t0 = std::chrono::steady_clock::now();
  if (group == 1) {
    for (size_t i = 0; i < b.count; ++i) keyswitch(k.params, k.ksk.data(), b.ct(i), out.data(), digits.data());
  } else {
    for (size_t i = 0; i < b.count; i += group) {
      const size_t count = std::min(group, b.count - i);
      for (size_t g = 0; g < count; ++g) ins[g] = b.ct(i + g);
      keyswitch_group(k.params, k.ksk.data(), ins.data(), outs.data(), count, digits.data());
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  return Napi::Number::New(info.Env(), std::chrono::duration<double, std::nano>(t1 - t0).count() / double(b.count));
}

// count noise samples from an OS-seeded stream (distribution tests).
Napi::Value SampleNoise(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  const bool glwe = info[1].ToBoolean();
  const size_t count = size_arg(info, 2, "count", 1e8);
  ChaCha20Stream s(os_random_key(), StreamDomain::Test, 0);
  NoiseSampler ns(glwe ? p.glwe_noise : p.lwe_noise, s);
  auto out = Napi::BigInt64Array::New(info.Env(), count);
  for (size_t i = 0; i < count; ++i) out[i] = int64_t(ns.sample());
  return out;
}

// The security rule on one key: noiseSecurityProblem(dimension, noise) -> '' if secure, else why
// not (the message check_secure throws). Compared with @fhenet/params' keySecurity on a grid.
Napi::Value NoiseSecurityProblem(const Napi::CallbackInfo& info) {
  const size_t dimension = size_arg(info, 0, "dimension", 1 << 22);
  const NoiseDistribution noise = noise_value(info[1], "noise");
  return Napi::String::New(info.Env(), noise_security_problem(noise, dimension, "LWE"));
}

// `length` bytes of the tfhe-rs CSPRNG keyed by `key` (16 bytes) from table index
// (aesIndex, byteIndex), through AES-NI or the portable AES (compared with Node's AES in tests).
Napi::Value TfhersCsprngBytes(const Napi::CallbackInfo& info) {
  auto [key, key_len] = bytes_arg(info[0]);
  FHE_CHECK(key_len == 16, "key: expected 16 bytes, got ", key_len);
  tfhers::TableIndex first;
  first.aes_index = size_arg(info, 1, "aesIndex");
  first.byte_index = unsigned(size_arg(info, 2, "byteIndex", 15));
  tfhers::AesCtrGenerator g(key, first, info[4].ToBoolean());
  auto out = Napi::Buffer<u8>::New(info.Env(), size_arg(info, 3, "length", 1 << 26));
  g.fill_bytes(out.Data(), out.Length());
  return out;
}

// Circuit bootstrapping of one neuron's residues (batch of m ciphertexts, moduli[i] for the i-th)
// into the t selector GGSWs (doc order), Fourier form.
Napi::Value CircuitBootstrap(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  PackingKeyswitchKeys& pk = pfks_keys(info[1]);
  LweCiphertextBatch& b = batch(info[2]);
  const std::vector<u32> moduli = moduli_arg(info[3]);
  FHE_CHECK(b.count == moduli.size(), "circuitBootstrap: expected one residue ciphertext per modulus (",
            moduli.size(), "), got ", b.count);
  FHE_CHECK(b.dimension == k.params.big_lwe_dimension(), "Mismatched LweDimension. Evaluation keys (k*N): ",
            k.params.big_lwe_dimension().value, ", ciphertexts: ", b.dimension.value);
  const size_t t = check_moduli(k.params, moduli.data(), moduli.size());
  auto g = std::make_unique<FourierGgswList>(k.params.glwe_dimension.value, k.params.polynomial_size.value,
                                             pk.wop.cbs, t);
  std::vector<const Torus*> res(b.count);
  for (size_t i = 0; i < b.count; ++i) res[i] = b.ct(i);
  circuit_bootstrap(k, pk, res.data(), moduli.data(), moduli.size(), *g);
  const int64_t bytes = int64_t(g->data.size() * 8);
  return wrap<GHolder>(info.Env(), std::move(g), bytes);
}

// Benchmark: circuit bootstrap of one residue (batch of 1) `iters` times on the calling thread;
// mean nanoseconds per call in each phase (level PBS incl. keyswitch, PFKS, Fourier).
Napi::Value BenchCircuitBootstrap(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  PackingKeyswitchKeys& pk = pfks_keys(info[1]);
  LweCiphertextBatch& b = batch(info[2]);
  const u32 p = modulus_arg(info, 3);
  const size_t iters = size_arg(info, 4, "iters", 1e6);
  FHE_CHECK(b.count == 1 && b.dimension == k.params.big_lwe_dimension() && iters >= 1,
            "benchCircuitBootstrap: expected one big-key residue ciphertext and iters >= 1");
  const size_t t = check_moduli(k.params, &p, 1);
  FourierGgswList g(k.params.glwe_dimension.value, k.params.polynomial_size.value, pk.wop.cbs, t);
  CbsTimings tm;
  const Torus* res = b.ct(0);
  for (size_t i = 0; i < iters; ++i) circuit_bootstrap(k, pk, &res, &p, 1, g, 0, &tm);
  auto o = Napi::Object::New(info.Env());
  o.Set("pbsNs", tm.pbs_ns / double(iters));
  o.Set("pfksNs", tm.pfks_ns / double(iters));
  o.Set("fourierNs", tm.fourier_ns / double(iters));
  o.Set("bits", double(t));
  return o;
}

// Vertical packing over GGSWs [first, first+t) of a list: luts = E tables of 2^t torus words,
// returns E LWEs (big key).
Napi::Value VerticalPacking(const Napi::CallbackInfo& info) {
  FourierGgswList& g = ggsw_list(info[0]);
  const size_t first = size_arg(info, 1, "first", 1 << 20), t = size_arg(info, 2, "t", 24);
  auto luts = u64arr(info[3], "luts");
  FHE_CHECK(t >= 1 && first + t <= g.count, "verticalPacking: GGSWs [", first, ", ", first + t,
            ") outside the list of ", g.count);
  const size_t entries = size_t(1) << t;
  FHE_CHECK(luts.ElementLength() % entries == 0 && luts.ElementLength() > 0,
            "luts: expected a non-zero multiple of 2^t = ", entries, " torus words, got ", luts.ElementLength());
  const size_t E = luts.ElementLength() / entries;
  auto out = std::make_unique<LweCiphertextBatch>(LweDimension(g.k * g.N), E);
  const Torus* l = reinterpret_cast<const Torus*>(luts.Data());
  for (size_t e = 0; e < E; ++e) vertical_packing(g, first, t, l + e * entries, out->ct(e));
  return wrap_batch(info.Env(), std::move(out));
}

}  // namespace

void export_testing(Napi::Env env, Napi::Object testing) {
  FHE_EXPORT(testing, "pbsReference", PbsReference);
  FHE_EXPORT(testing, "selectKernels", SelectKernels);
  FHE_EXPORT(testing, "fftNegacyclicProduct", FftNegacyclicProduct);
  FHE_EXPORT(testing, "benchFft", BenchFft);
  FHE_EXPORT(testing, "benchKeyswitch", BenchKeyswitch);
  FHE_EXPORT(testing, "sampleNoise", SampleNoise);
  FHE_EXPORT(testing, "noiseSecurityProblem", NoiseSecurityProblem);
  FHE_EXPORT(testing, "tfhersCsprngBytes", TfhersCsprngBytes);
  FHE_EXPORT(testing, "circuitBootstrap", CircuitBootstrap);
  FHE_EXPORT(testing, "benchCircuitBootstrap", BenchCircuitBootstrap);
  FHE_EXPORT(testing, "verticalPacking", VerticalPacking);
}

}  // namespace fhe::bindings
