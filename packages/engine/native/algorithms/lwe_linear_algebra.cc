#include "algorithms/lwe_linear_algebra.h"

#include <cstring>

namespace fhe {

std::unique_ptr<LweCiphertextBatch> lwe_add(const LweCiphertextBatch& a, const LweCiphertextBatch& b, bool subtract) {
  FHE_CHECK(a.dimension == b.dimension, "Mismatched LweDimension: ", a.dimension.value, " vs ", b.dimension.value);
  FHE_CHECK(a.count == b.count, "Mismatched ciphertext counts: ", a.count, " vs ", b.count);
  auto out = std::make_unique<LweCiphertextBatch>(a.dimension, a.count);
  const size_t len = a.count * a.stride();
  Torus* o = out->data.data();
  const Torus* x = a.data.data();
  const Torus* y = b.data.data();
  if (subtract)
    for (size_t i = 0; i < len; ++i) o[i] = x[i] - y[i];
  else
    for (size_t i = 0; i < len; ++i) o[i] = x[i] + y[i];
  return out;
}

static void check_values_len(size_t values_len, size_t count) {
  FHE_CHECK(values_len == count || values_len == 1, "expected ", count,
            " clear values (one per ciphertext) or 1 (broadcast), got ", values_len);
}

std::unique_ptr<LweCiphertextBatch> lwe_add_clear(const Params& p, const LweCiphertextBatch& a, const i64* values,
                                                  size_t values_len) {
  check_values_len(values_len, a.count);
  FHE_CHECK(a.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Parameters (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", a.dimension.value);
  auto out = std::make_unique<LweCiphertextBatch>(a.dimension, a.count);
  std::memcpy(out->data.data(), a.data.data(), a.count * a.stride() * sizeof(Torus));
  const size_t d = a.dimension.value;
  for (size_t i = 0; i < a.count; ++i) out->ct(i)[d] += u64(values[values_len == 1 ? 0 : i]) * p.delta();
  return out;
}

std::unique_ptr<LweCiphertextBatch> lwe_mul_clear(const LweCiphertextBatch& a, const i64* values, size_t values_len) {
  check_values_len(values_len, a.count);
  auto out = std::make_unique<LweCiphertextBatch>(a.dimension, a.count);
  const size_t st = a.stride();
  for (size_t i = 0; i < a.count; ++i) {
    const u64 w = u64(values[values_len == 1 ? 0 : i]);
    const Torus* x = a.ct(i);
    Torus* o = out->ct(i);
    for (size_t j = 0; j < st; ++j) o[j] = w * x[j];
  }
  return out;
}

std::unique_ptr<LweCiphertextBatch> lwe_add_torus(const LweCiphertextBatch& in, const Torus* values, size_t values_len) {
  FHE_CHECK(values_len == in.count || values_len == 1, "expected ", in.count,
            " torus values (one per ciphertext) or 1 (broadcast), got ", values_len);
  auto out = std::make_unique<LweCiphertextBatch>(in.dimension, in.count);
  std::memcpy(out->data.data(), in.data.data(), in.count * in.stride() * sizeof(Torus));
  const size_t d = in.dimension.value;
  for (size_t i = 0; i < in.count; ++i) out->ct(i)[d] += values[values_len == 1 ? 0 : i];
  return out;
}

std::unique_ptr<LweCiphertextBatch> lwe_gather(const LweCiphertextBatch& a, const u32* indices, size_t count) {
  auto out = std::make_unique<LweCiphertextBatch>(a.dimension, count);
  for (size_t i = 0; i < count; ++i) {
    FHE_CHECK(indices[i] < a.count, "gather index ", indices[i], " at position ", i, " out of range (batch has ",
              a.count, " ciphertexts)");
    std::memcpy(out->ct(i), a.ct(indices[i]), a.stride() * sizeof(Torus));
  }
  return out;
}

std::unique_ptr<LweCiphertextBatch> lwe_scatter(const LweCiphertextBatch& base, const u32* indices,
                                                const LweCiphertextBatch& values) {
  FHE_CHECK(values.dimension == base.dimension, "Mismatched LweDimension in scatter: base ", base.dimension.value,
            ", values ", values.dimension.value);
  auto out = std::make_unique<LweCiphertextBatch>(base.dimension, base.count);
  std::memcpy(out->data.data(), base.data.data(), base.count * base.stride() * sizeof(Torus));
  for (size_t i = 0; i < values.count; ++i) {
    FHE_CHECK(indices[i] < base.count, "scatter index ", indices[i], " at position ", i, " out of range (batch has ",
              base.count, " ciphertexts)");
    std::memcpy(out->ct(indices[i]), values.ct(i), base.stride() * sizeof(Torus));
  }
  return out;
}

std::unique_ptr<LweCiphertextBatch> lwe_concat(const std::vector<const LweCiphertextBatch*>& parts) {
  FHE_CHECK(!parts.empty(), "concat needs at least one batch");
  size_t total = 0;
  for (auto* p : parts) {
    FHE_CHECK(p->dimension == parts[0]->dimension, "Mismatched LweDimension in concat: ", parts[0]->dimension.value,
              " vs ", p->dimension.value);
    total += p->count;
  }
  auto out = std::make_unique<LweCiphertextBatch>(parts[0]->dimension, total);
  size_t at = 0;
  for (auto* p : parts) {
    std::memcpy(out->ct(at), p->data.data(), p->count * p->stride() * sizeof(Torus));
    at += p->count;
  }
  return out;
}

}  // namespace fhe
