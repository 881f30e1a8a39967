// A batch of LWE ciphertexts of one dimension: what every operation outside a PBS reads and writes.
#pragma once
#include "commons/aligned_buffer.h"
#include "entities/parameters.h"

namespace fhe {

// Stored contiguously: [a_0 .. a_{d-1}, b] each.
struct LweCiphertextBatch {
  LweDimension dimension{0};
  size_t count = 0;
  AlignedBuffer<Torus> data;
  LweCiphertextBatch(LweDimension d, size_t c) : dimension(d), count(c), data(c * (d.value + 1)) {}
  size_t stride() const { return dimension.value + 1; }
  Torus* ct(size_t i) { return data.data() + i * stride(); }
  const Torus* ct(size_t i) const { return data.data() + i * stride(); }
};

}  // namespace fhe
