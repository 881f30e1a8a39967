// Engine-wide settings and facts: thread count, kernel variant, parameter validation, and the
// batch sizes the engine picks (so the executor's memory model reads them instead of copying them).
#include "algorithms/lwe_programmable_bootstrap.h"
#include "algorithms/wop_lookup.h"
#include "bindings/arguments.h"
#include "bindings/exports.h"
#include "commons/fft/fft.h"
#include "commons/thread_pool.h"
#include "entities/key_layout.h"

namespace fhe::bindings {

namespace {

Napi::Value KernelsName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kernels().name); }

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  ThreadPool::global().set_threads(size_arg(info, 0, "threads", 256));
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(ThreadPool::global().threads()));
}

Napi::Value ValidateParams(const Napi::CallbackInfo& info) {
  parse_params(info[0]);
  return info.Env().Undefined();
}

size_t threads_arg(const Napi::CallbackInfo& info, size_t i) {
  const size_t t = size_arg(info, i, "threads", 256);
  FHE_CHECK(t >= 1, "threads: expected 1..256, got 0");
  return t;
}

// pbsGroupSize(count, threads): the group size of a batch of `count` PBS without groupSize.
Napi::Value PbsGroupSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(pbs_auto_group_size(size_arg(info, 0, "count"), threads_arg(info, 1))));
}

// pbsThreadScratchBytes(shape, group): per-thread scratch of PBS groups of up to `group`
// ciphertexts; shape = { lweDimension, glweDimension, polynomialSize, pbs: { levelCount },
// keyswitch: { levelCount } } (any TfheParameterSet has these).
Napi::Value PbsThreadScratchBytes(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject()) fail("shape: expected an object with the set's dimensions and level counts");
  Napi::Object o = info[0].As<Napi::Object>();
  Params p;
  p.lwe_dimension = LweDimension(uint_field(o, "lweDimension", "shape", 1 << 16));
  p.glwe_dimension = GlweDimension(uint_field(o, "glweDimension", "shape", 16));
  p.polynomial_size = PolynomialSize(uint_field(o, "polynomialSize", "shape", 1 << 17));
  p.pbs.level_count = DecompositionLevelCount(uint_field(obj_field(o, "pbs", "shape"), "levelCount", "shape.pbs", 63));
  p.ks.level_count =
      DecompositionLevelCount(uint_field(obj_field(o, "keyswitch", "shape"), "levelCount", "shape.keyswitch", 63));
  const size_t group = size_arg(info, 1, "group", double(kMaxPbsGroup));
  return Napi::Number::New(info.Env(), double(pbs_thread_scratch_bytes(KeyLayout(p), group)));
}

// wopNeuronChunk(neurons, threads): neurons per chunk of a WoP lookup (chunk * t GGSWs held at once).
Napi::Value WopNeuronChunk(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(wop_neuron_chunk(size_arg(info, 0, "neurons"), threads_arg(info, 1))));
}

}  // namespace

void export_engine(Napi::Env env, Napi::Object exports) {
  FHE_EXPORT(exports, "kernelsName", KernelsName);
  FHE_EXPORT(exports, "setThreads", SetThreads);
  FHE_EXPORT(exports, "getThreads", GetThreads);
  FHE_EXPORT(exports, "validateParams", ValidateParams);
  FHE_EXPORT(exports, "pbsGroupSize", PbsGroupSize);
  FHE_EXPORT(exports, "pbsThreadScratchBytes", PbsThreadScratchBytes);
  FHE_EXPORT(exports, "wopNeuronChunk", WopNeuronChunk);
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("pbsDefaultGroupSize", double(kDefaultPbsGroup));
  limits.Set("pbsMaxGroupSize", double(kMaxPbsGroup));
  limits.Freeze();
  exports.Set("limits", limits);
}

}  // namespace fhe::bindings
