// Programmable bootstrapping inputs: the bootstrapping key (GGSW encryptions of the small key's bits
// under the GLWE key, kept in Fourier form), lookup-table polynomials and the centered modulus
// switch. The evaluation itself (keyswitch, CMux blind rotation, sample extraction) is in pbs.h.
#pragma once
#include "entities.h"
#include "fft.h"
#include "pbs.h"

namespace fhe {

// Forward transforms of the GLWE key polynomials (for exact key products during keygen of the
// bootstrapping key and the packing keyswitching keys, wop.cc). Secret: wiped when freed.
struct KeyFourier {
  AlignedBuffer<double> data;  // k polys, N doubles each (re M | im M)
  KeyFourier(const ClientKey& key, const FftPlan& plan) {
    const KeyLayout L(key.params);
    data.resize(L.k * L.N);
    std::vector<i64> coeffs(L.N);
    for (size_t c = 0; c < L.k; ++c) {
      for (size_t t = 0; t < L.N; ++t) coeffs[t] = i64(key.glwe_key[c * L.N + t]);
      kernels().forward_i64(plan, coeffs.data(), data.data() + c * L.N, data.data() + c * L.N + plan.m);
    }
    wipe(coeffs.data(), coeffs.size() * sizeof(i64));
  }
  ~KeyFourier() { if (data.data()) wipe(data.data(), data.size() * sizeof(double)); }
};

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
