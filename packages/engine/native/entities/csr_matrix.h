// Sparse integer weights in CSR form: the clear matrix of a dot product (algorithms/lwe_dot_product.h).
#pragma once
#include <vector>

#include "commons/errors.h"
#include "commons/numeric.h"

namespace fhe {

// Row r uses entries [indptr[r], indptr[r+1]) of (indices, values).
struct CsrMatrix {
  size_t rows = 0, cols = 0;
  std::vector<u32> indptr, indices;
  std::vector<i64> values;
  void validate() const {
    FHE_CHECK(indptr.size() == rows + 1, "CSR indptr length: expected rows+1 = ", rows + 1, ", got ", indptr.size());
    FHE_CHECK(indptr[0] == 0, "CSR indptr[0] must be 0, got ", indptr[0]);
    for (size_t r = 0; r < rows; ++r)
      FHE_CHECK(indptr[r] <= indptr[r + 1], "CSR indptr must be non-decreasing; row ", r, ": ", indptr[r], " > ",
                indptr[r + 1]);
    FHE_CHECK(indptr[rows] == indices.size() && indices.size() == values.size(), "CSR lengths: indptr[rows] = ",
              indptr[rows], ", indices ", indices.size(), ", values ", values.size(), " must all agree");
    for (size_t i = 0; i < indices.size(); ++i)
      FHE_CHECK(indices[i] < cols, "CSR column index ", indices[i], " at entry ", i, " out of range (", cols,
                " columns)");
  }
};

}  // namespace fhe
