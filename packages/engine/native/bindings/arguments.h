// Reading JS arguments into engine types: every field checked (type, integer range, length) and
// every error naming the argument and field, e.g. "params.pbs.levelCount: expected an integer in 0..63".
#pragma once
#include <napi.h>

#include <utility>
#include <vector>

#include "algorithms/serialization.h"
#include "entities/evaluation_keys.h"
#include "entities/lwe_ciphertext_batch.h"
#include "entities/parameters.h"

namespace fhe::bindings {

double num_field(const Napi::Object& o, const char* name, const char* ctx);
size_t uint_field(const Napi::Object& o, const char* name, const char* ctx, double max = 1e9);
Napi::Object obj_field(const Napi::Object& o, const char* name, const char* ctx);
NoiseDistribution noise_value(const Napi::Value& v, const char* name);

// A TfheParameterSet: structure checked (Params::validate) and the 128-bit rule enforced
// (check_secure), whatever the caller checked.
Params parse_params(const Napi::Value& v);
// A WopParameterSet: parse_params plus circuitBootstrap and packingKeyswitch decompositions.
WopParams parse_wop_params(const Napi::Value& v);

template <typename TA>
TA typed(const Napi::Value& v, napi_typedarray_type t, const char* arg, const char* tname) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != t) fail(arg, ": expected an ", tname);
  return v.As<TA>();
}
inline Napi::Int32Array i32arr(const Napi::Value& v, const char* arg) {
  return typed<Napi::Int32Array>(v, napi_int32_array, arg, "Int32Array");
}
inline Napi::Uint32Array u32arr(const Napi::Value& v, const char* arg) {
  return typed<Napi::Uint32Array>(v, napi_uint32_array, arg, "Uint32Array");
}
inline Napi::BigUint64Array u64arr(const Napi::Value& v, const char* arg) {
  return typed<Napi::BigUint64Array>(v, napi_biguint64_array, arg, "BigUint64Array");
}
std::vector<i64> to_i64(const Napi::Int32Array& a);
Fingerprint fingerprint_arg(const Napi::Value& v);
size_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* arg, double max = 9.0e15);
// A Uint8Array/Buffer's bytes (a view: valid while the JS value is).
std::pair<const u8*, size_t> bytes_arg(const Napi::Value& v);
std::vector<u32> moduli_arg(const Napi::Value& v);
inline u32 modulus_arg(const Napi::CallbackInfo& info, size_t i) { return u32(size_arg(info, i, "p", 1 << 20)); }
// The optional onProgress of an options object at info[index] ({ onProgress?, ... }); empty if absent.
Napi::Function progress_option(const Napi::CallbackInfo& info, size_t index, const char* shape);

// The (tableIndex, tables) arguments at info[2], info[3] of a PBS over `b` with `k`: one table
// index per ciphertext, tables of p = 2^messageBits integers each.
struct PbsArgs {
  std::vector<u32> table_index;
  std::vector<i64> tables;
  size_t num_tables;
};
PbsArgs pbs_args(const Napi::CallbackInfo& info, const EvaluationKeys& k, const LweCiphertextBatch& b);

}  // namespace fhe::bindings
