// Programmable bootstrapping inputs: the bootstrapping key (GGSW encryptions of the small key's bits
// under the GLWE key, kept in Fourier form), lookup-table polynomials and the centered modulus
// switch. The evaluation itself (keyswitch, CMux blind rotation, sample extraction) is in pbs.h.
#pragma once
#include "entities.h"
#include "pbs.h"

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

}  // namespace fhe
