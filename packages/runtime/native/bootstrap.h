// Programmable bootstrapping: bootstrapping key (GGSW encryptions of the small key's bits under the
// GLWE key, kept in Fourier form), external product, CMux blind rotation, centered modulus switch,
// sample extraction, lookup-table polynomials and the batched keyswitch+PBS.
#pragma once
#include "entities.h"

namespace fhe {

// GGSWs [start, end): bodies into `bodies` (seeded form, may be null), the Fourier form of masks
// and bodies into `fourier` (may be null). Row index for streams: ggsw * rows + row.
void generate_bsk_range(const ClientKey& key, const ChaChaKey& mask_seed, const ChaChaKey& noise_key, Torus* bodies,
                        double* fourier, size_t start, size_t end);
// Server side: regenerate masks from the seed and convert masks and bodies to Fourier form.
void expand_bsk_range(const Params& p, const ChaChaKey& mask_seed, const Torus* bodies, double* fourier, size_t start,
                      size_t end);

// LUT polynomial (N coefficients) from a table of p integer outputs: box = N/p coefficients per
// input value hold f(i)*delta, then the polynomial is multiplied by X^{-box/2} (first half box
// negated and rotated to the end) so noise on either side of a value stays in its box.
void build_lut(const Params& p, const i64* table, Torus* lut);

// Centered modulus switch of a small LWE ciphertext (n+1) to Z/2N.
void modulus_switch_centered(const Params& p, const Torus* in, u32* out);

// out (k*N+1, big key) = PBS(keyswitch(in)) with the given LUT polynomial. Scratch is per thread
// and reused: nothing is allocated inside the blind rotation.
void keyswitch_pbs(const EvaluationKeys& keys, const Torus* in, const Torus* lut, Torus* out);

// Batched: table_index[i] selects the table (p entries each, num_tables of them) of ciphertext i.
std::unique_ptr<LweCiphertextBatch> pbs_batch(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                              const u32* table_index, const i64* tables, size_t num_tables);

}  // namespace fhe
