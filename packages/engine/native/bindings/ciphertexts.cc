// Ciphertexts: encryption and decryption (client side), the linear operations of a circuit and
// dot products (server side), and the ciphertext format.
#include "algorithms/lwe_dot_product.h"
#include "algorithms/lwe_encryption.h"
#include "algorithms/lwe_linear_algebra.h"
#include "bindings/arguments.h"
#include "bindings/exports.h"
#include "bindings/handles.h"
#include "bindings/serialized.h"

namespace fhe::bindings {

namespace {

Napi::Value Encrypt(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  auto msgs = to_i64(i32arr(info[1], "messages"));
  return wrap_batch(info.Env(), encrypt_big(k, msgs.data(), msgs.size()));
}

// Raw torus plaintexts (e.g. residues r * round(2^64/p)) encrypted under the big key.
Napi::Value EncryptTorus(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  auto pt = u64arr(info[1], "plaintexts");
  return wrap_batch(info.Env(), encrypt_big_torus(k, reinterpret_cast<const Torus*>(pt.Data()), pt.ElementLength()));
}

Napi::Value Decrypt(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  std::vector<i64> out(b.count);
  decrypt_decode(k, b, out.data());
  auto r = Napi::Int32Array::New(info.Env(), b.count);
  for (size_t i = 0; i < b.count; ++i) r[i] = int32_t(out[i]);
  return r;
}

Napi::Value DecryptPhase(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  auto r = Napi::BigUint64Array::New(info.Env(), b.count);
  decrypt_phase(k, b, reinterpret_cast<Torus*>(r.Data()));
  return r;
}

Napi::Value BatchInfo(const Napi::CallbackInfo& info) {
  LweCiphertextBatch& b = batch(info[0]);
  auto o = Napi::Object::New(info.Env());
  o.Set("count", double(b.count));
  o.Set("dimension", double(b.dimension.value));
  return o;
}

Napi::Value Add(const Napi::CallbackInfo& info) {
  return wrap_batch(info.Env(), lwe_add(batch(info[0], "a"), batch(info[1], "b"), false));
}
Napi::Value Sub(const Napi::CallbackInfo& info) {
  return wrap_batch(info.Env(), lwe_add(batch(info[0], "a"), batch(info[1], "b"), true));
}
Napi::Value AddClear(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  auto v = to_i64(i32arr(info[2], "values"));
  return wrap_batch(info.Env(), lwe_add_clear(p, batch(info[1]), v.data(), v.size()));
}
// Adds raw torus constants to the bodies (residue-encoded clear values such as biases).
Napi::Value AddTorus(const Napi::CallbackInfo& info) {
  auto v = u64arr(info[1], "values");
  return wrap_batch(info.Env(), lwe_add_torus(batch(info[0]), reinterpret_cast<const Torus*>(v.Data()), v.ElementLength()));
}
Napi::Value MulClear(const Napi::CallbackInfo& info) {
  auto v = to_i64(i32arr(info[1], "values"));
  return wrap_batch(info.Env(), lwe_mul_clear(batch(info[0]), v.data(), v.size()));
}
Napi::Value Gather(const Napi::CallbackInfo& info) {
  auto idx = u32arr(info[1], "indices");
  return wrap_batch(info.Env(), lwe_gather(batch(info[0]), idx.Data(), idx.ElementLength()));
}
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  LweCiphertextBatch& base = batch(info[0], "base");
  auto idx = u32arr(info[1], "indices");
  LweCiphertextBatch& values = batch(info[2], "values");
  FHE_CHECK(idx.ElementLength() == values.count, "scatter: ", idx.ElementLength(), " indices for ", values.count,
            " ciphertexts");
  return wrap_batch(info.Env(), lwe_scatter(base, idx.Data(), values));
}
Napi::Value Concat(const Napi::CallbackInfo& info) {
  if (!info[0].IsArray()) fail("concat: expected an array of batches");
  auto arr = info[0].As<Napi::Array>();
  std::vector<const LweCiphertextBatch*> parts;
  for (uint32_t i = 0; i < arr.Length(); ++i) parts.push_back(&batch(arr.Get(i), "batches[i]"));
  return wrap_batch(info.Env(), lwe_concat(parts));
}

std::vector<i64> bias_arg(const Napi::Value& v, size_t rows) {
  if (v.IsUndefined() || v.IsNull()) return {};
  auto b = to_i64(i32arr(v, "bias"));
  FHE_CHECK(b.size() == rows, "bias: expected ", rows, " values (one per output), got ", b.size());
  return b;
}

Napi::Value DotDense(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  LweCiphertextBatch& in = batch(info[1]);
  auto w = i32arr(info[2], "weights");
  const size_t rows = size_arg(info, 3, "rows", 1e8), cols = size_arg(info, 4, "cols", 1e8);
  FHE_CHECK(w.ElementLength() == rows * cols, "weights: expected rows*cols = ", rows * cols, " values, got ",
            w.ElementLength());
  auto wv = to_i64(w);
  auto bias = bias_arg(info[5], rows);
  const CsrMatrix m = csr_from_dense(wv.data(), rows, cols);
  return wrap_batch(info.Env(), lwe_dot(p, in, m, bias.empty() ? nullptr : bias.data()));
}

Napi::Value DotCsr(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  LweCiphertextBatch& in = batch(info[1]);
  auto indptr = u32arr(info[2], "indptr");
  auto indices = u32arr(info[3], "indices");
  auto values = i32arr(info[4], "values");
  CsrMatrix m;
  m.rows = size_arg(info, 5, "rows", 1e8);
  m.cols = size_arg(info, 6, "cols", 1e8);
  m.indptr.assign(indptr.Data(), indptr.Data() + indptr.ElementLength());
  m.indices.assign(indices.Data(), indices.Data() + indices.ElementLength());
  m.values = to_i64(values);
  auto bias = bias_arg(info[7], m.rows);
  return wrap_batch(info.Env(), lwe_dot(p, in, m, bias.empty() ? nullptr : bias.data()));
}

Napi::Value SerializeBatch(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[2]);
  LweCiphertextBatch& b = batch(info[0]);
  FHE_CHECK(b.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Parameters (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", b.dimension.value);
  return to_buffer(info.Env(), b, fingerprint_arg(info[1]), p);
}

Napi::Value DeserializeBatch(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  return wrap_batch(info.Env(), deserialize_ciphertexts(d, n, parse_params(info[1]), fingerprint_arg(info[2])));
}

}  // namespace

void export_ciphertexts(Napi::Env env, Napi::Object exports) {
  FHE_EXPORT(exports, "encrypt", Encrypt);
  FHE_EXPORT(exports, "encryptTorus", EncryptTorus);
  FHE_EXPORT(exports, "decrypt", Decrypt);
  FHE_EXPORT(exports, "decryptPhase", DecryptPhase);
  FHE_EXPORT(exports, "batchInfo", BatchInfo);
  FHE_EXPORT(exports, "add", Add);
  FHE_EXPORT(exports, "sub", Sub);
  FHE_EXPORT(exports, "addClear", AddClear);
  FHE_EXPORT(exports, "addTorus", AddTorus);
  FHE_EXPORT(exports, "mulClear", MulClear);
  FHE_EXPORT(exports, "gather", Gather);
  FHE_EXPORT(exports, "scatter", Scatter);
  FHE_EXPORT(exports, "concat", Concat);
  FHE_EXPORT(exports, "dotDense", DotDense);
  FHE_EXPORT(exports, "dotCsr", DotCsr);
  FHE_EXPORT(exports, "serializeBatch", SerializeBatch);
  FHE_EXPORT(exports, "deserializeBatch", DeserializeBatch);
}

}  // namespace fhe::bindings
