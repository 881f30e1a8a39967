// The batched WoP-PBS lookup of CRT stages (docs/crt.md sections 1-4): circuit bootstrapping of
// every residue of a neuron, then vertical packing of each output table over its selector bits.
#pragma once
#include <functional>
#include <memory>

#include "entities/evaluation_keys.h"
#include "entities/lwe_ciphertext_batch.h"
#include "entities/packing_keyswitch_keys.h"

namespace fhe {

// Neurons per chunk of a lookup of `neurons` on `threads` pool threads: min(neurons,
// max(2, 2 * threads)). A chunk holds chunk * t Fourier GGSWs at once (the executor's memory model
// reads this).
size_t wop_neuron_chunk(size_t neurons, size_t threads);

using WopProgress = std::function<void(size_t done, size_t total)>;

// The batched lookup: neuron o has residues in.ct(o*m + i) (i < m, modulus moduli[i]) and table
// table_index[o]; table s has `outputs` LUTs of 2^t torus words at luts + (s*outputs + e) * 2^t.
// Output ciphertext o*outputs + e = LWE of LUT e of o's table at o's index. Neurons in chunks
// (wop_neuron_chunk): one pool job per (neuron, residue) circuit bootstrap, then one per (neuron, output)
// vertical packing sharing the neuron's GGSWs; progress after each chunk. Same bits for any
// thread count.
std::unique_ptr<LweCiphertextBatch> wop_lookup(const EvaluationKeys& keys, const PackingKeyswitchKeys& pfks,
                                               const LweCiphertextBatch& in, const u32* moduli, size_t m,
                                               const u32* table_index, const Torus* luts, size_t num_tables,
                                               size_t outputs, const WopProgress* progress = nullptr);

}  // namespace fhe
