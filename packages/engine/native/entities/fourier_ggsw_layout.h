// Where each value of a Fourier GGSW sits in memory (the bootstrapping key's GGSWs and those the
// circuit bootstrap makes): frequency-blocked. For every block of kBlock consecutive frequencies,
// the (re, im) of every polynomial p = row * (k+1) + c of the GGSW follow one another:
//   [frequency block b][polynomial p][re of the block's points | im of them]
// The external product (ext_mac) walks the frequencies in blocks and, within one, every row and
// output: in this order that is one sequential stream through the GGSW instead of 2 * rows * (k+1)
// streams 8 KiB apart (the polynomial-major layout), which the hardware prefetchers did not follow:
// the multiply-accumulate stalled on its loads (36 % of a k = 2, N = 1024 PBS, 2026-12-07).
// Key files keep the polynomial-major layout [row][poly c][re M | im M] (serialization converts),
// so files are unchanged.
#pragma once
#include <cstddef>

#include "commons/fft/fft.h"

namespace fhe {

struct FourierGgswLayout {
  // Frequencies per block: the kernels' (one AVX-512 register of doubles; the whole polynomial when M < 8).
  static constexpr size_t kBlock = kGgswFrequencyBlock;
  size_t polys;  // (k+1) * levels rows times (k+1) polynomials
  size_t m;      // complex points per polynomial (N/2)
  size_t block() const { return m < kBlock ? m : kBlock; }
  size_t len() const { return polys * 2 * m; }
  // Offset of the real part of point j of polynomial p; its imaginary part is block() further.
  size_t at(size_t p, size_t j) const {
    const size_t b = block();
    return (j / b) * polys * 2 * b + p * 2 * b + j % b;
  }
  // Polynomial p from split form (re[m], im[m]) into the GGSW.
  void store(double* ggsw, size_t p, const double* re, const double* im) const {
    const size_t b = block();
    for (size_t j0 = 0; j0 < m; j0 += b) {
      double* dst = ggsw + at(p, j0);
      for (size_t t = 0; t < b; ++t) {
        dst[t] = re[j0 + t];
        dst[b + t] = im[j0 + t];
      }
    }
  }
  // Polynomial p of the GGSW into split form (re[m], im[m]).
  void load(const double* ggsw, size_t p, double* re, double* im) const {
    const size_t b = block();
    for (size_t j0 = 0; j0 < m; j0 += b) {
      const double* src = ggsw + at(p, j0);
      for (size_t t = 0; t < b; ++t) {
        re[j0 + t] = src[t];
        im[j0 + t] = src[b + t];
      }
    }
  }
  // The whole GGSW to the polynomial-major layout [p][re M | im M] of key files, and back.
  void to_polynomial_major(const double* ggsw, double* out) const {
    for (size_t p = 0; p < polys; ++p) load(ggsw, p, out + p * 2 * m, out + p * 2 * m + m);
  }
  void from_polynomial_major(const double* in, double* ggsw) const {
    for (size_t p = 0; p < polys; ++p) store(ggsw, p, in + p * 2 * m, in + p * 2 * m + m);
  }
};

}  // namespace fhe
