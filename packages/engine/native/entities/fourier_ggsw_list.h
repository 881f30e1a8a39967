// Fourier GGSWs of one decomposition: what circuit bootstrapping makes and vertical packing reads.
#pragma once
#include "commons/aligned_buffer.h"
#include "entities/fourier_ggsw_layout.h"
#include "entities/parameters.h"

namespace fhe {

// Contiguous GGSWs, each in the layout of the Fourier bootstrapping key's GGSWs
// (fourier_ggsw_layout.h), so the same external product applies.
struct FourierGgswList {
  size_t k = 0, N = 0, levels = 0, count = 0;
  Decomposition dec;
  AlignedBuffer<double> data;
  FourierGgswList(size_t k_, size_t N_, const Decomposition& d, size_t count_)
      : k(k_), N(N_), levels(d.level_count.value), count(count_), dec(d), data(count_ * ggsw_len()) {}
  FourierGgswLayout layout() const { return {(k + 1) * levels * (k + 1), N / 2}; }
  size_t ggsw_len() const { return layout().len(); }
  double* ggsw(size_t i) { return data.data() + i * ggsw_len(); }
  const double* ggsw(size_t i) const { return data.data() + i * ggsw_len(); }
};

}  // namespace fhe
