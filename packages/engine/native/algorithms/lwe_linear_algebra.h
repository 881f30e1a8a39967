// Batched linear operations on LWE ciphertexts (server side; all under the big key): the
// additions, clear multiplications and moves of a circuit's linear steps.
#pragma once
#include <memory>
#include <vector>

#include "entities/lwe_ciphertext_batch.h"

namespace fhe {

std::unique_ptr<LweCiphertextBatch> lwe_add(const LweCiphertextBatch& a, const LweCiphertextBatch& b, bool subtract);
// values: one integer message per ciphertext (or one for all when values_len == 1).
std::unique_ptr<LweCiphertextBatch> lwe_add_clear(const Params& p, const LweCiphertextBatch& a, const i64* values,
                                                  size_t values_len);
std::unique_ptr<LweCiphertextBatch> lwe_mul_clear(const LweCiphertextBatch& a, const i64* values, size_t values_len);
// out = in + values on the body (raw torus words: one per ciphertext, or one for all when
// values_len == 1): clear constants in residue encoding, e.g. a bias b as (b mod p) * delta_p.
std::unique_ptr<LweCiphertextBatch> lwe_add_torus(const LweCiphertextBatch& in, const Torus* values, size_t values_len);
std::unique_ptr<LweCiphertextBatch> lwe_gather(const LweCiphertextBatch& a, const u32* indices, size_t count);
// A copy of `base` with ciphertext indices[i] replaced by values[i] (values.count indices).
std::unique_ptr<LweCiphertextBatch> lwe_scatter(const LweCiphertextBatch& base, const u32* indices,
                                                const LweCiphertextBatch& values);
std::unique_ptr<LweCiphertextBatch> lwe_concat(const std::vector<const LweCiphertextBatch*>& parts);

}  // namespace fhe
