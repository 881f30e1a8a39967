// Native objects cross to JS as Externals wrapping a typed Holder: every entry point checks the
// holder's kind and liveness before touching the object, so a wrong or disposed handle is an
// error naming the argument, never a crash. Objects in use by a pending job are pinned (busy).
#pragma once
#include <napi.h>

#include <memory>
#include <type_traits>

#include "entities/client_key.h"
#include "entities/evaluation_keys.h"
#include "entities/fourier_ggsw_list.h"
#include "entities/lwe_ciphertext_batch.h"
#include "entities/packing_keyswitch_keys.h"

namespace fhe::bindings {

enum class HKind { ClientKey, EvaluationKeys, SeededKeys, Batch, Session, PackingKeys, Ggsw, SeededPackingKeys };

const char* hkind_name(HKind k);

struct HolderBase {
  HKind kind;
  int busy = 0;  // pending async operations; dispose is refused while > 0
  int64_t external_bytes = 0;
  explicit HolderBase(HKind k) : kind(k) {}
  virtual ~HolderBase() = default;
  virtual bool alive() const = 0;
  virtual void reset() = 0;
};

template <typename T, HKind K>
struct Holder : HolderBase {
  std::unique_ptr<T> obj;
  explicit Holder(std::unique_ptr<T> o) : HolderBase(K), obj(std::move(o)) {}
  bool alive() const override { return obj != nullptr; }
  void reset() override { obj.reset(); }
};

using CKHolder = Holder<ClientKey, HKind::ClientKey>;
using EKHolder = Holder<EvaluationKeys, HKind::EvaluationKeys>;
using SKHolder = Holder<SeededEvaluationKeys, HKind::SeededKeys>;
using BHolder = Holder<LweCiphertextBatch, HKind::Batch>;
using PKHolder = Holder<PackingKeyswitchKeys, HKind::PackingKeys>;
using GHolder = Holder<FourierGgswList, HKind::Ggsw>;
using SPKHolder = Holder<SeededPackingKeys, HKind::SeededPackingKeys>;

// A new External owning `o`; `bytes` of native memory are reported to V8 while it lives.
template <typename H>
Napi::Value wrap(Napi::Env env, std::unique_ptr<typename std::remove_reference<decltype(*std::declval<H>().obj)>::type> o,
                 int64_t bytes) {
  auto* h = new H(std::move(o));
  h->external_bytes = bytes;
  if (bytes) Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  return Napi::External<HolderBase>::New(env, h, [](Napi::Env env, HolderBase* p) {
    if (p->external_bytes) Napi::MemoryManagement::AdjustExternalMemory(env, -p->external_bytes);
    delete p;
  });
}

// The live holder of kind `kind` behind argument `arg`, or an error naming the argument.
HolderBase* holder_of(const Napi::Value& v, HKind kind, const char* arg);

template <typename H>
auto& get(const Napi::Value& v, HKind kind, const char* arg) {
  return *static_cast<H*>(holder_of(v, kind, arg))->obj;
}
inline ClientKey& client_key(const Napi::Value& v, const char* arg = "clientKey") {
  return get<CKHolder>(v, HKind::ClientKey, arg);
}
inline EvaluationKeys& eval_keys(const Napi::Value& v, const char* arg = "evaluationKeys") {
  return get<EKHolder>(v, HKind::EvaluationKeys, arg);
}
inline SeededEvaluationKeys& seeded_keys(const Napi::Value& v, const char* arg = "seededKeys") {
  return get<SKHolder>(v, HKind::SeededKeys, arg);
}
inline LweCiphertextBatch& batch(const Napi::Value& v, const char* arg = "batch") {
  return get<BHolder>(v, HKind::Batch, arg);
}
inline PackingKeyswitchKeys& pfks_keys(const Napi::Value& v, const char* arg = "packingKeys") {
  return get<PKHolder>(v, HKind::PackingKeys, arg);
}
inline FourierGgswList& ggsw_list(const Napi::Value& v, const char* arg = "ggsws") {
  return get<GHolder>(v, HKind::Ggsw, arg);
}

Napi::Value wrap_batch(Napi::Env env, std::unique_ptr<LweCiphertextBatch> b);
Napi::Value wrap_evaluation_keys(Napi::Env env, std::unique_ptr<EvaluationKeys> k);

}  // namespace fhe::bindings
