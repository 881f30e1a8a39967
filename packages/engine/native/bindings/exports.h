// How the binding files meet: each area adds its functions to the module's exports (addon.cc calls
// every export_* once at load), every function wrapped by guarded<> so that an engine exception
// becomes a JS Error, never an abort.
#pragma once
#include <napi.h>

#include <new>

namespace fhe::bindings {

// Every exported function goes through this: EngineError and std::exception become JS Errors.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

#define FHE_EXPORT(object, name, fn) (object).Set(name, Napi::Function::New(env, ::fhe::bindings::guarded<fn>, name))

// The public surface, by area (typed by src/native.ts NativeAddon).
void export_handles(Napi::Env env, Napi::Object exports);      // handles.cc: dispose, isAlive
void export_engine(Napi::Env env, Napi::Object exports);       // engine.cc: threads, kernels, parameters, sizes
void export_keys(Napi::Env env, Napi::Object exports);         // keys.cc: client key, keygen sessions, key formats
void export_ciphertexts(Napi::Env env, Napi::Object exports);  // ciphertexts.cc: encryption, linear ops, format
void export_pbs(Napi::Env env, Napi::Object exports);          // pbs.cc: programmable bootstrapping
void export_wop(Napi::Env env, Napi::Object exports);          // wop.cc: CRT lookups (WoP-PBS)
void export_tfhers(Napi::Env env, Napi::Object exports);       // tfhers.cc: tfhe-rs (node-tfhe 1.7) formats
// Test and benchmark hooks, kept off the public surface: exports.testing (typed by NativeTesting).
void export_testing(Napi::Env env, Napi::Object testing);      // testing.cc

}  // namespace fhe::bindings
