// An engine object serialized into a new Node Buffer (algorithms/serialization.h formats).
#pragma once
#include <napi.h>

#include "algorithms/serialization.h"

namespace fhe::bindings {

template <typename T, typename... Extra>
Napi::Value to_buffer(Napi::Env env, const T& obj, const Fingerprint& fp, const Extra&... extra) {
  const size_t size = serialized_size(obj);
  auto buf = Napi::Buffer<u8>::New(env, size);
  serialize(obj, extra..., fp, buf.Data(), size);
  return buf;
}

}  // namespace fhe::bindings
