#include "bindings/handles.h"

#include "bindings/exports.h"
#include "entities/key_layout.h"

namespace fhe::bindings {

const char* hkind_name(HKind k) {
  switch (k) {
    case HKind::ClientKey: return "ClientKey";
    case HKind::EvaluationKeys: return "EvaluationKeys";
    case HKind::SeededKeys: return "SeededEvaluationKeys";
    case HKind::Batch: return "LweCiphertextBatch";
    case HKind::Session: return "KeygenSession";
    case HKind::PackingKeys: return "PackingKeyswitchKeys";
    case HKind::Ggsw: return "FourierGgswList";
    case HKind::SeededPackingKeys: return "SeededPackingKeys";
  }
  return "?";
}

HolderBase* holder_of(const Napi::Value& v, HKind kind, const char* arg) {
  if (!v.IsExternal()) fail(arg, ": expected a native ", hkind_name(kind), " handle");
  auto* h = v.As<Napi::External<HolderBase>>().Data();
  if (!h || h->kind != kind)
    fail(arg, ": expected a ", hkind_name(kind), ", got a ", h ? hkind_name(h->kind) : "null handle");
  if (!h->alive()) fail(arg, ": this ", hkind_name(kind), " has been disposed");
  return h;
}

Napi::Value wrap_batch(Napi::Env env, std::unique_ptr<LweCiphertextBatch> b) {
  const int64_t bytes = int64_t(b->data.size() * 8);
  return wrap<BHolder>(env, std::move(b), bytes);
}

Napi::Value wrap_evaluation_keys(Napi::Env env, std::unique_ptr<EvaluationKeys> k) {
  const int64_t bytes = int64_t(k->fourier_bsk.size() * 8 + k->ksk.size() * 4);
  return wrap<EKHolder>(env, std::move(k), bytes);
}

namespace {

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) fail("dispose: expected a native handle");
  auto* h = info[0].As<Napi::External<HolderBase>>().Data();
  FHE_CHECK(h->busy == 0, "cannot dispose this ", hkind_name(h->kind), ": an operation using it is still running");
  if (h->external_bytes) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -h->external_bytes);
  h->external_bytes = 0;
  h->reset();
  return info.Env().Undefined();
}

Napi::Value IsAlive(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), info[0].As<Napi::External<HolderBase>>().Data()->alive());
}

}  // namespace

void export_handles(Napi::Env env, Napi::Object exports) {
  FHE_EXPORT(exports, "dispose", Dispose);
  FHE_EXPORT(exports, "isAlive", IsAlive);
}

}  // namespace fhe::bindings
