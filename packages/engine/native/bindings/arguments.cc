#include "bindings/arguments.h"

#include <cmath>
#include <cstring>
#include <string>

#include "commons/security.h"

namespace fhe::bindings {

double num_field(const Napi::Object& o, const char* name, const char* ctx) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) fail(ctx, ".", name, ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

size_t uint_field(const Napi::Object& o, const char* name, const char* ctx, double max) {
  const double d = num_field(o, name, ctx);
  if (!(d >= 0 && d <= max && std::floor(d) == d)) fail(ctx, ".", name, ": expected an integer in 0..", max, ", got ", d);
  return size_t(d);
}

Napi::Object obj_field(const Napi::Object& o, const char* name, const char* ctx) {
  Napi::Value v = o.Get(name);
  if (!v.IsObject()) fail(ctx, ".", name, ": expected an object");
  return v.As<Napi::Object>();
}

NoiseDistribution noise_value(const Napi::Value& v, const char* name) {
  if (!v.IsObject()) fail("params.", name, ": expected an object");
  Napi::Object n = v.As<Napi::Object>();
  Napi::Value kind = n.Get("kind");
  const std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  if (k == "tuniform") return NoiseDistribution::tuniform(unsigned(uint_field(n, "boundLog2", name, kMaxTUniformBoundLog2)));
  if (k == "gaussian") {
    const double l = num_field(n, "stdDevLog2", name);
    if (!(l > -10 && l <= kMaxGaussianStdDevLog2))
      fail(name, ".stdDevLog2: expected a number in (-10, ", kMaxGaussianStdDevLog2, "], got ", l);
    return NoiseDistribution::gaussian_log2(l);
  }
  fail("params.", name, ".kind: expected 'tuniform' or 'gaussian', got '", k, "'");
}

Params parse_params(const Napi::Value& v) {
  if (!v.IsObject()) fail("params: expected a TfheParameterSet object");
  Napi::Object o = v.As<Napi::Object>();
  Params p;
  p.message_bits = unsigned(uint_field(o, "messageBits", "params", 16));
  p.lwe_dimension = LweDimension(uint_field(o, "lweDimension", "params", 1 << 16));
  p.glwe_dimension = GlweDimension(uint_field(o, "glweDimension", "params", 16));
  p.polynomial_size = PolynomialSize(uint_field(o, "polynomialSize", "params", 1 << 17));
  p.lwe_noise = noise_value(o.Get("lweNoise"), "lweNoise");
  p.glwe_noise = noise_value(o.Get("glweNoise"), "glweNoise");
  Napi::Object pbs = obj_field(o, "pbs", "params");
  p.pbs.base_log = DecompositionBaseLog(uint_field(pbs, "baseLog", "params.pbs", 63));
  p.pbs.level_count = DecompositionLevelCount(uint_field(pbs, "levelCount", "params.pbs", 63));
  Napi::Object ks = obj_field(o, "keyswitch", "params");
  p.ks.base_log = DecompositionBaseLog(uint_field(ks, "baseLog", "params.keyswitch", 63));
  p.ks.level_count = DecompositionLevelCount(uint_field(ks, "levelCount", "params.keyswitch", 63));
  Napi::Value ms = o.Get("modulusSwitch");
  if (!ms.IsUndefined()) {
    const std::string m = ms.IsString() ? ms.As<Napi::String>().Utf8Value() : "";
    if (m != "centered" && m != "plain") fail("params.modulusSwitch: expected 'centered' or 'plain', got '", m, "'");
    p.centered_modulus_switch = m == "centered";
  }
  p.validate();
  check_secure(p);
  return p;
}

namespace {
Decomposition decomposition_field(const Napi::Object& o, const char* name) {
  Napi::Object d = obj_field(o, name, "params");
  const std::string ctx = std::string("params.") + name;
  Decomposition r;
  r.base_log = DecompositionBaseLog(uint_field(d, "baseLog", ctx.c_str(), 63));
  r.level_count = DecompositionLevelCount(uint_field(d, "levelCount", ctx.c_str(), 63));
  return r;
}
}  // namespace

WopParams parse_wop_params(const Napi::Value& v) {
  WopParams w;
  w.params = parse_params(v);
  Napi::Object o = v.As<Napi::Object>();
  w.cbs = decomposition_field(o, "circuitBootstrap");
  w.pfks = decomposition_field(o, "packingKeyswitch");
  w.validate();
  return w;
}

std::vector<i64> to_i64(const Napi::Int32Array& a) {
  std::vector<i64> r(a.ElementLength());
  for (size_t i = 0; i < r.size(); ++i) r[i] = a[i];
  return r;
}

Fingerprint fingerprint_arg(const Napi::Value& v) {
  if (!v.IsBuffer() || v.As<Napi::Buffer<u8>>().Length() != 32) fail("fingerprint: expected a 32-byte Buffer");
  Fingerprint f;
  std::memcpy(f.bytes, v.As<Napi::Buffer<u8>>().Data(), 32);
  return f;
}

size_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* arg, double max) {
  if (!info[i].IsNumber()) fail(arg, ": expected a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max && std::floor(d) == d)) fail(arg, ": expected an integer in 0..", max, ", got ", d);
  return size_t(d);
}

std::pair<const u8*, size_t> bytes_arg(const Napi::Value& v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    fail("bytes: expected a Uint8Array/Buffer");
  auto a = v.As<Napi::Uint8Array>();
  return {a.Data(), a.ByteLength()};
}

std::vector<u32> moduli_arg(const Napi::Value& v) {
  auto a = u32arr(v, "moduli");
  return std::vector<u32>(a.Data(), a.Data() + a.ElementLength());
}

Napi::Function progress_option(const Napi::CallbackInfo& info, size_t index, const char* shape) {
  if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) return Napi::Function();
  if (!info[index].IsObject()) fail("options: expected an object ", shape);
  Napi::Value cb = info[index].As<Napi::Object>().Get("onProgress");
  if (cb.IsUndefined()) return Napi::Function();
  if (!cb.IsFunction()) fail("options.onProgress: expected a function (done, total) => void");
  return cb.As<Napi::Function>();
}

PbsArgs pbs_args(const Napi::CallbackInfo& info, const EvaluationKeys& k, const LweCiphertextBatch& b) {
  auto idx = u32arr(info[2], "tableIndex");
  auto tables = i32arr(info[3], "tables");
  const size_t P = k.params.message_modulus();
  FHE_CHECK(idx.ElementLength() == b.count, "tableIndex: expected one entry per ciphertext (", b.count, "), got ",
            idx.ElementLength());
  FHE_CHECK(tables.ElementLength() % P == 0 && tables.ElementLength() > 0, "tables: expected a multiple of p = ", P,
            " entries (", k.params.message_bits, "-bit parameters), got ", tables.ElementLength());
  PbsArgs a;
  a.table_index.assign(idx.Data(), idx.Data() + idx.ElementLength());
  a.tables = to_i64(tables);
  a.num_tables = tables.ElementLength() / P;
  return a;
}

}  // namespace fhe::bindings
