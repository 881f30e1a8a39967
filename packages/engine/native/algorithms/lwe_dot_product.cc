#include "algorithms/lwe_dot_product.h"

#include <algorithm>

#include "commons/fft/fft.h"
#include "commons/thread_pool.h"

namespace fhe {

CsrMatrix csr_from_dense(const i64* w, size_t rows, size_t cols) {
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.reserve(rows + 1);
  m.indptr.push_back(0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      const i64 v = w[r * cols + c];
      if (v != 0) {  // zero weights cost nothing (pruned networks)
        m.indices.push_back(u32(c));
        m.values.push_back(v);
      }
    }
    m.indptr.push_back(u32(m.indices.size()));
  }
  return m;
}

std::unique_ptr<LweCiphertextBatch> lwe_dot(const Params& p, const LweCiphertextBatch& in, const CsrMatrix& w,
                                            const i64* bias) {
  w.validate();
  FHE_CHECK(w.cols == in.count, "dot product: weight matrix has ", w.cols, " columns but the input batch has ",
            in.count, " ciphertexts");
  FHE_CHECK(in.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Parameters (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", in.dimension.value);
  auto out = std::make_unique<LweCiphertextBatch>(in.dimension, w.rows);
  out->data.zero();
  const size_t st = in.stride();
  // Column tiles: a tile of every input ciphertext (and of every output) stays in cache while all
  // rows use it, instead of streaming the whole input batch from memory once per output row.
  constexpr size_t kTile = 256;
  const size_t tiles = (st + kTile - 1) / kTile;
  const Kernels& K = kernels();
  ThreadPool::global().parallel_for(tiles, [&](size_t t, size_t) {
    const size_t c0 = t * kTile;
    const size_t len = std::min(kTile, st - c0);
    for (size_t r = 0; r < w.rows; ++r) {
      Torus* o = out->ct(r) + c0;
      for (u32 e = w.indptr[r]; e < w.indptr[r + 1]; ++e) K.axpy(len, o, in.ct(w.indices[e]) + c0, u64(w.values[e]));
    }
  });
  if (bias) {
    const size_t d = in.dimension.value;
    for (size_t r = 0; r < w.rows; ++r) out->ct(r)[d] += u64(bias[r]) * p.delta();
  }
  return out;
}

}  // namespace fhe
