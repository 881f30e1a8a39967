#include "lwe.h"

#include "fft.h"
#include "thread_pool.h"

namespace fhe {

std::unique_ptr<ClientKey> generate_client_key(const Params& params) {
  params.validate();
  auto key = std::make_unique<ClientKey>();
  key->params = params;
  const KeyLayout L(params);
  key->lwe_key.resize(L.n);
  key->glwe_key.resize(L.big);
  // Uniform binary keys from their own stream, keyed by fresh OS randomness.
  const ChaChaKey sk_seed = os_random_key();
  {
    ChaCha20Stream s(sk_seed, StreamDomain::SecretKey, 0);
    for (size_t i = 0; i < L.n; ++i) key->lwe_key[i] = s.next_u64() & 1;
  }
  {
    ChaCha20Stream s(sk_seed, StreamDomain::SecretKey, 1);
    for (size_t i = 0; i < L.big; ++i) key->glwe_key[i] = s.next_u64() & 1;
  }
  key->enc_mask_key = os_random_key();
  key->enc_noise_key = os_random_key();
  return key;
}

std::unique_ptr<LweCiphertextBatch> encrypt_big(const ClientKey& key, const i64* messages, size_t count) {
  std::vector<Torus> plain(count);
  for (size_t i = 0; i < count; ++i) plain[i] = u64(messages[i]) * key.params.delta();
  return encrypt_big_torus(key, plain.data(), count);
}

std::unique_ptr<LweCiphertextBatch> encrypt_big_torus(const ClientKey& key, const Torus* plaintexts, size_t count) {
  const Params& p = key.params;
  const size_t d = p.big_lwe_dimension().value;
  auto out = std::make_unique<LweCiphertextBatch>(p.big_lwe_dimension(), count);
  const u64 base = const_cast<ClientKey&>(key).enc_counter.fetch_add(count);
  const Torus* s = key.glwe_key.data();
  ThreadPool::global().parallel_for(count, [&](size_t i, size_t) {
    Torus* ct = out->ct(i);
    ChaCha20Stream mask(key.enc_mask_key, StreamDomain::CiphertextMask, base + i);
    ChaCha20Stream noise(key.enc_noise_key, StreamDomain::CiphertextNoise, base + i);
    // Big-key encryptions use the GLWE noise (secure for dimension k*N), as tfhe-rs does.
    NoiseSampler e(p.glwe_noise, noise);
    mask.fill_u64(ct, d);
    Torus b = 0;
    for (size_t j = 0; j < d; ++j) b += ct[j] * s[j];
    ct[d] = b + plaintexts[i] + e.sample();
  });
  return out;
}

static void check_key_batch(const ClientKey& key, const LweCiphertextBatch& batch) {
  FHE_CHECK(batch.dimension == key.params.big_lwe_dimension(),
            "Mismatched LweDimension. Key (k*N): ", key.params.big_lwe_dimension().value,
            ", ciphertexts: ", batch.dimension.value);
}

void decrypt_phase(const ClientKey& key, const LweCiphertextBatch& batch, Torus* out) {
  check_key_batch(key, batch);
  const size_t d = batch.dimension.value;
  const Torus* s = key.glwe_key.data();
  for (size_t i = 0; i < batch.count; ++i) {
    const Torus* ct = batch.ct(i);
    Torus dot = 0;
    for (size_t j = 0; j < d; ++j) dot += ct[j] * s[j];
    out[i] = ct[d] - dot;
  }
}

void decrypt_decode(const ClientKey& key, const LweCiphertextBatch& batch, i64* out) {
  std::vector<Torus> phase(batch.count);
  decrypt_phase(key, batch, phase.data());
  const unsigned shift = 63 - key.params.message_bits;  // delta = 2^shift
  const u64 mod2p_mask = (u64(2) << key.params.message_bits) - 1;
  for (size_t i = 0; i < batch.count; ++i) {
    const u64 rounded = (phase[i] >> shift) + ((phase[i] >> (shift - 1)) & 1);
    out[i] = i64(rounded & mod2p_mask);
  }
}

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

void CsrMatrix::validate() const {
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
