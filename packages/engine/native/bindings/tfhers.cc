// tfhe-rs (node-tfhe 1.7) interop: its ciphertext and server-key formats, read (validated against
// the expected parameters) and written; the conversions live in algorithms/tfhers_*.
#include "algorithms/tfhers_keys.h"
#include "bindings/arguments.h"
#include "bindings/async_jobs.h"
#include "bindings/exports.h"

namespace fhe::bindings {

namespace {

Napi::Value TfhersDecompressCiphertext(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  const std::vector<u8> out = tfhers::decompress_ciphertext_bytes(d, n, parse_params(info[1]));
  return Napi::Buffer<u8>::Copy(info.Env(), out.data(), out.size());
}

Napi::Value TfhersReadCiphertexts(const Napi::CallbackInfo& info) {
  if (!info[0].IsArray()) fail("ciphertexts: expected an array of Uint8Array");
  auto arr = info[0].As<Napi::Array>();
  std::vector<tfhers::ByteSpan> items;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    auto [d, n] = bytes_arg(arr.Get(i));
    items.push_back({d, n});
  }
  return wrap_batch(info.Env(), tfhers::read_ciphertexts(items, parse_params(info[1]), info[2].ToBoolean()));
}

Napi::Value TfhersWriteCiphertexts(const Napi::CallbackInfo& info) {
  const auto out = tfhers::write_ciphertexts(batch(info[0]), parse_params(info[1]));
  auto arr = Napi::Array::New(info.Env(), out.size());
  for (size_t i = 0; i < out.size(); ++i) arr.Set(uint32_t(i), Napi::Buffer<u8>::Copy(info.Env(), out[i].data(), out[i].size()));
  return arr;
}

Napi::Value TfhersExpandServerKey(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  return wrap_evaluation_keys(info.Env(), tfhers::expand_server_key(d, n, parse_params(info[1])));
}

// Same on a libuv worker (seconds for 6- and 7-bit keys): the server's event loop stays live.
// Optional info[2]: onProgress(done, total), called on the JS thread (like pbsAsync's).
Napi::Value TfhersExpandServerKeyAsync(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  const Params p = parse_params(info[1]);
  Napi::Function on_progress;
  if (info.Length() > 2 && info[2].IsFunction()) on_progress = info[2].As<Napi::Function>();
  return queue_job<EvaluationKeys>(
      info.Env(), on_progress, "fhenet tfhe-rs key progress",
      [d = d, n = n, p](const JobProgress* progress) { return tfhers::expand_server_key(d, n, p, progress); },
      wrap_evaluation_keys, {}, {info[0]});  // keeps the key bytes alive until the worker is done
}

}  // namespace

void export_tfhers(Napi::Env env, Napi::Object exports) {
  FHE_EXPORT(exports, "tfhersDecompressCiphertext", TfhersDecompressCiphertext);
  FHE_EXPORT(exports, "tfhersReadCiphertexts", TfhersReadCiphertexts);
  FHE_EXPORT(exports, "tfhersWriteCiphertexts", TfhersWriteCiphertexts);
  FHE_EXPORT(exports, "tfhersExpandServerKey", TfhersExpandServerKey);
  FHE_EXPORT(exports, "tfhersExpandServerKeyAsync", TfhersExpandServerKeyAsync);
}

}  // namespace fhe::bindings
