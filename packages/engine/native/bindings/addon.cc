// The N-API module: process setup at load (the C allocator) and the exports of every binding area
// (exports.h). The public surface is flat; test and benchmark hooks live under `testing`.
#include <napi.h>

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bindings/exports.h"

namespace fhe::bindings {

namespace {

// ---- allocator ----
// glibc raises its mmap threshold (up to 32 MiB) every time it frees a block it had mmapped, after
// which batches and tensors of a few MiB are carved from the heap and arenas and stay resident when
// freed: RSS drifted up to 70 % above the live allocations the memory model counts (LeNet in bands:
// 644 MiB measured, 384 MiB modelled). A fixed threshold (which also switches the dynamic adjustment
// off) sends every allocation of 1 MiB or more to mmap, returned to the OS when freed: 390 MiB
// measured, no slower (docs/streaming-plan.md). Set once at load, for the whole process; the user's
// own MALLOC_MMAP_THRESHOLD_ is left in charge.
constexpr int kMmapThreshold = 1 << 20;
struct AllocatorSetup {
  const char* source;  // "fhenet", "env" (MALLOC_MMAP_THRESHOLD_) or "unavailable" (not glibc)
  int mmap_threshold;  // bytes; 0 when unknown
};
AllocatorSetup setup_allocator() {
#if defined(__GLIBC__)
  if (const char* env = std::getenv("MALLOC_MMAP_THRESHOLD_")) return {"env", std::atoi(env)};
  if (mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1) return {"fhenet", kMmapThreshold};
#endif
  return {"unavailable", 0};
}
const AllocatorSetup& allocator_setup() {
  static const AllocatorSetup setup = setup_allocator();
  return setup;
}
Napi::Value AllocatorInfo(const Napi::CallbackInfo& info) {
  const AllocatorSetup& a = allocator_setup();
  auto o = Napi::Object::New(info.Env());
  o.Set("source", a.source);
  o.Set("mmapThreshold", double(a.mmap_threshold));
  return o;
}

}  // namespace

Napi::Object init_module(Napi::Env env, Napi::Object exports) {
  allocator_setup();
  FHE_EXPORT(exports, "allocatorInfo", AllocatorInfo);
  export_handles(env, exports);
  export_engine(env, exports);
  export_keys(env, exports);
  export_ciphertexts(env, exports);
  export_pbs(env, exports);
  export_wop(env, exports);
  export_tfhers(env, exports);
  Napi::Object testing = Napi::Object::New(env);
  export_testing(env, testing);
  exports.Set("testing", testing);
  return exports;
}

}  // namespace fhe::bindings

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return fhe::bindings::init_module(env, exports); }

NODE_API_MODULE(fhenet_tfhe, Init)
