// Everything heavy reuses the PBS machinery: circuit_bootstrap.h and vertical_packing.h, both on
// the thread pool, one job per (neuron, residue) and per (neuron, output).
#include "algorithms/wop_lookup.h"

#include <algorithm>
#include <vector>

#include "algorithms/circuit_bootstrap.h"
#include "algorithms/crt_residues.h"
#include "algorithms/vertical_packing.h"
#include "commons/thread_pool.h"

namespace fhe {

size_t wop_neuron_chunk(size_t neurons, size_t threads) {
  return std::min(neurons, std::max<size_t>(2, 2 * threads));
}

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
  const size_t chunk = wop_neuron_chunk(neurons, pool.threads());
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
