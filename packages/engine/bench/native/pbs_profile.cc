// Standalone profile harness of the engine's KS+PBS (no Node): the published TUniform sets with
// deterministic pseudo-random keys and inputs (the values do not matter to the cost: every kernel
// is branch-free in the data, except that zero digits and zero rotations are skipped, which random
// data makes as rare as real keys do). Prints time and CPU time per PBS and a checksum of the
// outputs, so two builds of the engine (or two kernel variants) can be compared for speed and for
// identical bits, and so `valgrind --tool=callgrind` counts the instructions of one PBS
// reproducibly on a loaded machine.
// Build and usage: packages/engine/bench/native/Makefile (`make -f bench/native/Makefile`), then
//   build-profile/pbs-profile --bits 4 --mode single|group|ks|fft|mac [--iters 20] [--group 8]
//                             [--threads 1] [--kernels avx512] [--shape n,k,N,pbsB,pbsL,ksB,ksL]
// --shape replaces the published set's dimensions (e.g. a compiled circuit's set:
// 879,1,2048,15,2,2,8 for LeNet and the 6-layer CNN, 839,2,1024,15,2,2,7 for narrow-150).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "algorithms/lookup_table.h"
#include "algorithms/lwe_keyswitch.h"
#include "algorithms/lwe_programmable_bootstrap.h"
#include "commons/fft/fft.h"
#include "commons/thread_pool.h"
#include "entities/evaluation_keys.h"
#include "entities/key_layout.h"

using namespace fhe;

namespace {

u64 splitmix(u64& s) {
  u64 z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Decomposition dec(size_t b, size_t l) { return Decomposition{DecompositionBaseLog(b), DecompositionLevelCount(l)}; }

// The published TUniform 2^-128 sets (tfhe-parameters.md).
Params published(unsigned bits) {
  Params p;
  p.message_bits = bits;
  struct Row { size_t n, k, N; unsigned lwe, glwe; size_t pb, pl, kb, kl; };
  const Row r = bits == 2 ? Row{879, 4, 512, 46, 17, 23, 1, 5, 3}
              : bits == 4 ? Row{918, 1, 2048, 45, 17, 23, 1, 4, 4}
              : bits == 6 ? Row{1077, 1, 8192, 41, 3, 15, 2, 4, 5}
                          : Row{1117, 1, 65536, 40, 3, 11, 3, 3, 7};
  p.lwe_dimension = LweDimension(r.n);
  p.glwe_dimension = GlweDimension(r.k);
  p.polynomial_size = PolynomialSize(r.N);
  p.lwe_noise = NoiseDistribution::tuniform(r.lwe);
  p.glwe_noise = NoiseDistribution::tuniform(r.glwe);
  p.pbs = dec(r.pb, r.pl);
  p.ks = dec(r.kb, r.kl);
  p.validate();
  return p;
}

double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

u64 fnv(const void* data, size_t bytes, u64 h = 0xcbf29ce484222325ull) {
  const u8* b = static_cast<const u8*>(data);
  for (size_t i = 0; i < bytes; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned bits = 4;
  std::string mode = "single", kern, shape;
  size_t iters = 0, group = 8, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--bits") bits = unsigned(std::stoul(v));
    else if (a == "--mode") mode = v;
    else if (a == "--iters") iters = std::stoul(v);
    else if (a == "--group") group = std::stoul(v);
    else if (a == "--threads") threads = std::stoul(v);
    else if (a == "--kernels") kern = v;
    else if (a == "--shape") shape = v;
    else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
  }
  if (!kern.empty() && !select_kernels(kern)) { std::fprintf(stderr, "kernels %s unsupported\n", kern.c_str()); return 2; }
  ThreadPool::global().set_threads(threads);
  Params p = published(bits);
  if (!shape.empty()) {
    size_t f[7];
    if (std::sscanf(shape.c_str(), "%zu,%zu,%zu,%zu,%zu,%zu,%zu", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]) != 7) {
      std::fprintf(stderr, "--shape: expected n,k,N,pbsB,pbsL,ksB,ksL\n");
      return 2;
    }
    p.lwe_dimension = LweDimension(f[0]);
    p.glwe_dimension = GlweDimension(f[1]);
    p.polynomial_size = PolynomialSize(f[2]);
    p.pbs = dec(f[3], f[4]);
    p.ks = dec(f[5], f[6]);
    p.validate();
  }
  const KeyLayout L(p);
  u64 seed = 0x1234567 + bits;
  EvaluationKeys keys;
  keys.params = p;
  keys.fourier_bsk.resize(L.fourier_bsk_len());
  keys.ksk.resize(L.ksk_len());
  // Fourier coefficients of uniform torus polynomials have magnitude ~2^63 * sqrt(N).
  const double scale = 9.223372036854775808e18 * std::sqrt(double(L.N)) / 9.007199254740992e15;
  for (size_t i = 0; i < keys.fourier_bsk.size(); ++i)
    keys.fourier_bsk[i] = double(i64(splitmix(seed)) >> 11) * scale;
  for (size_t i = 0; i < keys.ksk.size(); ++i) keys.ksk[i] = std::remove_reference_t<decltype(keys.ksk[i])>(splitmix(seed));

  const size_t P = p.message_modulus(), big = L.big;
  std::vector<i64> table(P);
  for (size_t i = 0; i < P; ++i) table[i] = i64((i * 3 + 1) % P);
  const size_t count = mode == "group" ? std::max<size_t>(group * threads, 1) : 1;
  LweCiphertextBatch in(LweDimension(big), count);
  for (size_t c = 0; c < count; ++c)
    for (size_t t = 0; t <= big; ++t) in.ct(c)[t] = splitmix(seed);
  std::vector<u32> index(count, 0);
  if (iters == 0) iters = bits >= 6 ? 5 : 30;

  u64 check = 0;
  const double w0 = wall_seconds(), c0 = cpu_seconds();
  size_t ops = 0;
  if (mode == "single" || mode == "group") {
    PbsBatchOptions o;
    o.group_size = mode == "group" ? group : 1;
    for (size_t it = 0; it < iters; ++it) {
      auto out = pbs_batch(keys, in, index.data(), table.data(), 1, o);
      if (it == 0) check = fnv(out->data.data(), out->data.size() * sizeof(Torus));
      ops += count;
    }
  } else if (mode == "ks") {
    // The keyswitch's output words are the key's (64 bits before issue 19, 32 since).
    using KskWord = std::remove_pointer_t<decltype(keys.ksk.data())>;
    std::vector<KskWord> small(L.n + 1);
    AlignedBuffer<i64> digits(big * L.l_ks);
    for (size_t it = 0; it < iters; ++it) {
      keyswitch(p, keys.ksk.data(), in.ct(0), small.data(), digits.data());
      if (it == 0) check = fnv(small.data(), small.size() * sizeof(KskWord));
      ++ops;
    }
  } else if (mode == "fft") {
    const FftPlan& plan = fft_plan(L.N);
    const Kernels& K = kernels();
    AlignedBuffer<i64> c(L.N);
    AlignedBuffer<double> f(L.N);
    AlignedBuffer<Torus> acc(L.N);
    for (size_t t = 0; t < L.N; ++t) c[t] = i64(splitmix(seed)) >> 50, acc[t] = 0;
    for (size_t it = 0; it < iters * 1000; ++it) {
      K.forward_i64(plan, c.data(), f.data(), f.data() + plan.m, nullptr);
      K.backward_add_torus(plan, f.data(), f.data() + plan.m, acc.data(), nullptr);
      ++ops;
    }
    check = fnv(acc.data(), L.N * sizeof(Torus));
  } else if (mode == "mac") {
    // The multiply-accumulate of one external product on cache-resident data (group mode:
    // the GGSW is in L2): what the kernel itself costs.
    const Kernels& K = kernels();
    const size_t rows = L.ggsw_rows();
    AlignedBuffer<double> f(rows * L.N), out((L.k + 1) * L.N);
    for (size_t t = 0; t < f.size(); ++t) f[t] = double(i64(splitmix(seed)) >> 40);
    for (size_t it = 0; it < iters * 1000; ++it) {
      K.ext_mac(L.N / 2, L.N, rows, L.k + 1, f.data(), keys.fourier_bsk.data() + (it % 2) * L.fourier_ggsw_len(), out.data());
      ++ops;
    }
    check = fnv(out.data(), out.size() * sizeof(double));
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  const double w = wall_seconds() - w0, c = cpu_seconds() - c0;
  const bool micro = mode == "fft" || mode == "mac";
  const double unit = micro ? 1e6 : 1e3;
  std::printf("%u-bit %s kernels=%s threads=%zu: %zu ops, wall %.3f %s/op, cpu %.3f %s/op, checksum %016llx\n", bits,
              mode.c_str(), kernels().name, threads, ops, w / double(ops) * unit, micro ? "us" : "ms",
              c / double(ops) * unit, micro ? "us" : "ms", (unsigned long long)check);
  return 0;
}
