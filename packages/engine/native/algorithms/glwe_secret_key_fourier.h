// The GLWE secret key in the Fourier domain, for the exact key products (a_c * S_c) of keygen.
#pragma once
#include <vector>

#include "commons/fft/fft.h"
#include "entities/client_key.h"
#include "entities/key_layout.h"

namespace fhe {

// Forward transforms of the GLWE key polynomials (for exact key products during keygen of the
// bootstrapping key and the packing keyswitching keys). Secret: wiped when freed.
struct KeyFourier {
  AlignedBuffer<double> data;  // k polys, N doubles each (re M | im M)
  KeyFourier(const ClientKey& key, const FftPlan& plan) {
    const KeyLayout L(key.params);
    data.resize(L.k * L.N);
    std::vector<i64> coeffs(L.N);
    for (size_t c = 0; c < L.k; ++c) {
      for (size_t t = 0; t < L.N; ++t) coeffs[t] = i64(key.glwe_key[c * L.N + t]);
      kernels().forward_i64(plan, coeffs.data(), data.data() + c * L.N, data.data() + c * L.N + plan.m, nullptr);
    }
    wipe(coeffs.data(), coeffs.size() * sizeof(i64));
  }
  ~KeyFourier() { if (data.data()) wipe(data.data(), data.size() * sizeof(double)); }
};

}  // namespace fhe
