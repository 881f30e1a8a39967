#include "algorithms/vertical_packing.h"

#include <algorithm>
#include <cstring>

#include "algorithms/crt_residues.h"
#include "algorithms/ggsw_external_product.h"
#include "algorithms/glwe_sample_extraction.h"

namespace fhe {

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
  const FftPlan& plan = fft_plan(N);
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
          plan, K, k, l, g,
          [&](size_t r, double* f) {
            i64* d = S.digits.data();
            K.decompose(N, diff + r * N, beta, unsigned(l), d);
            for (size_t level = 0; level < l; ++level)
              K.forward_i64(plan, d + level * N, f + level * N, f + level * N + plan.m, nullptr);
          },
          n0, S.fdig.data(), S.fout.data());
      if (i != 0) std::memcpy(S.nodes.data() + i * glwe, n0, glwe * sizeof(Torus));
    }
  }
  // Blind rotation by X^(-idx_low) with the low bits: acc <- CMux(g_b, acc, X^(-2^b) acc).
  Torus* acc = S.nodes.data();
  for (size_t b = 0; b < low; ++b)
    cmux_rotate(plan, K, k, ggsws.dec, ggsws.ggsw(first + b), 2 * N - (size_t(1) << b), acc, S.fdig.data(),
                S.fout.data());
  sample_extract(k, N, acc, out);
}

}  // namespace fhe
