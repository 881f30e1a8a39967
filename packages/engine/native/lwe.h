// LWE algorithms: client key generation, encryption/decryption under the big key (dimension k*N)
// with one padding bit (delta = 2^63 / p), and the batched linear operations of a circuit.
#pragma once
#include "entities.h"

namespace fhe {

std::unique_ptr<ClientKey> generate_client_key(const Params& params);

// Encrypt messages (taken mod 2p) under the big key with the GLWE noise distribution
// (the big key is the GLWE key read as an LWE key, so its noise floor is the GLWE one).
std::unique_ptr<LweCiphertextBatch> encrypt_big(const ClientKey& key, const i64* messages, size_t count);
// Same with raw torus plaintexts (no padding-bit encoding): the native residue encoding
// r * round(2^64 / p) of the CRT representation (docs/crt.md section 1).
std::unique_ptr<LweCiphertextBatch> encrypt_big_torus(const ClientKey& key, const Torus* plaintexts, size_t count);
// Raw phase b - <a, s> of every ciphertext (tests measure noise with it).
void decrypt_phase(const ClientKey& key, const LweCiphertextBatch& batch, Torus* out);
// Decode round(phase / delta) mod 2p.
void decrypt_decode(const ClientKey& key, const LweCiphertextBatch& batch, i64* out);

// Batched linear operations (server side; all under the big key).
std::unique_ptr<LweCiphertextBatch> lwe_add(const LweCiphertextBatch& a, const LweCiphertextBatch& b, bool subtract);
// values: one integer message per ciphertext (or one for all when values_len == 1).
std::unique_ptr<LweCiphertextBatch> lwe_add_clear(const Params& p, const LweCiphertextBatch& a, const i64* values,
                                                  size_t values_len);
std::unique_ptr<LweCiphertextBatch> lwe_mul_clear(const LweCiphertextBatch& a, const i64* values, size_t values_len);
std::unique_ptr<LweCiphertextBatch> lwe_gather(const LweCiphertextBatch& a, const u32* indices, size_t count);
// A copy of `base` with ciphertext indices[i] replaced by values[i] (values.count indices).
std::unique_ptr<LweCiphertextBatch> lwe_scatter(const LweCiphertextBatch& base, const u32* indices,
                                                const LweCiphertextBatch& values);
std::unique_ptr<LweCiphertextBatch> lwe_concat(const std::vector<const LweCiphertextBatch*>& parts);

// Sparse weights in CSR form: row r uses entries [indptr[r], indptr[r+1]) of (indices, values).
struct CsrMatrix {
  size_t rows = 0, cols = 0;
  std::vector<u32> indptr, indices;
  std::vector<i64> values;
  void validate() const;
};
CsrMatrix csr_from_dense(const i64* w, size_t rows, size_t cols);
// out[r] = sum_c W[r][c] * in[c] + bias[r] * delta (bias optional: nullptr).
std::unique_ptr<LweCiphertextBatch> lwe_dot(const Params& p, const LweCiphertextBatch& in, const CsrMatrix& w,
                                            const i64* bias);

}  // namespace fhe
