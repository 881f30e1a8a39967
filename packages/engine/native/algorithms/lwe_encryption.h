// LWE encryption and decryption under the big key (dimension k*N) with one padding bit
// (delta = 2^63 / p), or of raw torus plaintexts.
#pragma once
#include <memory>

#include "entities/client_key.h"
#include "entities/lwe_ciphertext_batch.h"

namespace fhe {

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

}  // namespace fhe
