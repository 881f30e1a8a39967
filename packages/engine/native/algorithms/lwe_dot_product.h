// Dot products of a batch of LWE ciphertexts with a clear integer matrix (dense -> CSR,
// column-tiled, threaded).
#pragma once
#include <memory>

#include "entities/csr_matrix.h"
#include "entities/lwe_ciphertext_batch.h"

namespace fhe {

CsrMatrix csr_from_dense(const i64* w, size_t rows, size_t cols);
// out[r] = sum_c W[r][c] * in[c] + bias[r] * delta (bias optional: nullptr).
std::unique_ptr<LweCiphertextBatch> lwe_dot(const Params& p, const LweCiphertextBatch& in, const CsrMatrix& w,
                                            const i64* bias);

}  // namespace fhe
