// Keys: client key generation, evaluation-key generation and expansion in chunked sessions (so JS
// can report progress and stay responsive), and the key formats.
#include <algorithm>

#include "algorithms/client_key_generation.h"
#include "algorithms/lwe_bootstrap_key_generation.h"
#include "algorithms/lwe_keyswitch_key_generation.h"
#include "algorithms/serialization.h"
#include "bindings/arguments.h"
#include "bindings/async_jobs.h"
#include "bindings/exports.h"
#include "bindings/serialized.h"
#include "commons/thread_pool.h"
#include "entities/key_layout.h"

namespace fhe::bindings {

namespace {

// A key generation (from a client key) or expansion (from seeded keys) in progress.
struct KeygenSession {
  Params params;
  ChaChaKey noise_key{};
  std::unique_ptr<SeededEvaluationKeys> seeded;
  std::unique_ptr<EvaluationKeys> keys;
  Napi::ObjectReference source;  // keeps the ClientKey / seeded keys alive while the session lives
  HolderBase* source_holder = nullptr;
  ClientKey* client = nullptr;                // keygen mode
  const SeededEvaluationKeys* from = nullptr;  // expand mode
  ~KeygenSession() {
    wipe(&noise_key, sizeof noise_key);
    if (source_holder) source_holder->busy--;
  }
};
using SessHolder = Holder<KeygenSession, HKind::Session>;

Napi::Value ClientKeyGenerate(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  auto k = generate_client_key(p);
  return wrap<CKHolder>(info.Env(), std::move(k), 0);
}

Napi::Value SessionKeygen(const Napi::CallbackInfo& info) {
  ClientKey& ck = client_key(info[0]);
  const bool want_keys = info[1].ToBoolean(), want_seeded = info[2].ToBoolean();
  FHE_CHECK(want_keys || want_seeded, "keygen: nothing requested");
  const KeyLayout L(ck.params);
  auto s = std::make_unique<KeygenSession>();
  s->params = ck.params;
  s->noise_key = os_random_key();
  s->client = &ck;
  int64_t bytes = 0;
  if (want_seeded) {
    s->seeded = std::make_unique<SeededEvaluationKeys>();
    s->seeded->params = ck.params;
    s->seeded->mask_seed = os_random_key();  // public once published; fresh per key set
    s->seeded->bsk_bodies.resize(L.bsk_body_len());
    s->seeded->ksk_bodies.resize(L.ksk_rows());
    bytes += int64_t((L.bsk_body_len() + L.ksk_rows()) * 8);
  }
  if (want_keys) {
    s->keys = std::make_unique<EvaluationKeys>();
    s->keys->params = ck.params;
    s->keys->fourier_bsk.resize(L.fourier_bsk_len());
    s->keys->ksk.resize(L.ksk_len());
    bytes += int64_t(L.fourier_bsk_len() * 8 + L.ksk_len() * 4);
  }
  if (!want_seeded) {
    // The mask seed still drives the masks; it is simply never published.
    s->seeded = std::make_unique<SeededEvaluationKeys>();
    s->seeded->params = ck.params;
    s->seeded->mask_seed = os_random_key();
  }
  s->source = Napi::Persistent(info[0].As<Napi::Object>());
  s->source_holder = holder_of(info[0], HKind::ClientKey, "clientKey");
  s->source_holder->busy++;
  return wrap<SessHolder>(info.Env(), std::move(s), bytes);
}

Napi::Value SessionExpand(const Napi::CallbackInfo& info) {
  SeededEvaluationKeys& sk = seeded_keys(info[0]);
  const KeyLayout L(sk.params);
  auto s = std::make_unique<KeygenSession>();
  s->params = sk.params;
  s->from = &sk;
  s->keys = std::make_unique<EvaluationKeys>();
  s->keys->params = sk.params;
  s->keys->fourier_bsk.resize(L.fourier_bsk_len());
  s->keys->ksk.resize(L.ksk_len());
  s->source = Napi::Persistent(info[0].As<Napi::Object>());
  s->source_holder = holder_of(info[0], HKind::SeededKeys, "seededKeys");
  s->source_holder->busy++;
  return wrap<SessHolder>(info.Env(), std::move(s), int64_t(L.fourier_bsk_len() * 8 + L.ksk_len() * 4));
}

Napi::Value SessionSizes(const Napi::CallbackInfo& info) {
  KeygenSession& s = get<SessHolder>(info[0], HKind::Session, "session");
  const KeyLayout L(s.params);
  auto o = Napi::Object::New(info.Env());
  o.Set("bskUnits", double(L.n));
  o.Set("kskUnits", double(L.ksk_rows()));
  return o;
}

// part: 0 = bootstrapping key GGSWs [start, end), 1 = keyswitching key rows [start, end).
Napi::Value SessionRun(const Napi::CallbackInfo& info) {
  KeygenSession& s = get<SessHolder>(info[0], HKind::Session, "session");
  const size_t part = size_arg(info, 1, "part", 1);
  const size_t start = size_arg(info, 2, "start"), end = size_arg(info, 3, "end");
  const KeyLayout L(s.params);
  FHE_CHECK(start <= end && end <= (part == 0 ? L.n : L.ksk_rows()), "session range [", start, ", ", end,
            ") out of bounds");
  KeygenSession* sp = &s;
  auto work = [sp, part, start, end] {
    KeygenSession& s = *sp;
    Torus* bodies = nullptr;
    if (s.client && s.seeded && s.seeded->bsk_bodies.data())
      bodies = part == 0 ? s.seeded->bsk_bodies.data() : s.seeded->ksk_bodies.data();
    if (part == 0) {
      if (s.client)
        generate_bsk_range(*s.client, s.seeded->mask_seed, s.noise_key, bodies,
                           s.keys ? s.keys->fourier_bsk.data() : nullptr, start, end);
      else
        expand_bsk_range(s.params, s.from->mask_seed, s.from->bsk_bodies.data(), s.keys->fourier_bsk.data(), start, end);
    } else {
      u32* ksk = s.keys ? s.keys->ksk.data() : nullptr;
      const size_t chunk = 64;
      const size_t chunks = (end - start + chunk - 1) / chunk;
      ThreadPool::global().parallel_for(chunks, [&](size_t c, size_t) {
        const size_t a = start + c * chunk, b = std::min(end, a + chunk);
        if (s.client)
          generate_ksk_rows(*s.client, s.seeded->mask_seed, s.noise_key, bodies, ksk, a, b);
        else
          expand_ksk_rows(s.params, s.from->mask_seed, s.from->ksk_bodies.data(), ksk, a, b);
      });
    }
  };
  auto* w = new LambdaWorker(info.Env(), work, [](Napi::Env env) { return env.Undefined(); },
                             {holder_of(info[0], HKind::Session, "session")}, {info[0]});
  w->Queue();
  return w->promise();
}

Napi::Value SessionTake(const Napi::CallbackInfo& info) {
  auto* h = static_cast<SessHolder*>(holder_of(info[0], HKind::Session, "session"));
  FHE_CHECK(h->busy == 0, "session still running");
  KeygenSession& s = *h->obj;
  auto o = Napi::Object::New(info.Env());
  const KeyLayout L(s.params);
  if (s.keys) o.Set("evaluationKeys", wrap_evaluation_keys(info.Env(), std::move(s.keys)));
  if (s.client && s.seeded && s.seeded->bsk_bodies.data())
    o.Set("seeded", wrap<SKHolder>(info.Env(), std::move(s.seeded), int64_t((L.bsk_body_len() + L.ksk_rows()) * 8)));
  if (h->external_bytes) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -h->external_bytes);
  h->external_bytes = 0;
  h->reset();
  return o;
}

Napi::Value SerializeClientKey(const Napi::CallbackInfo& info) {
  return to_buffer(info.Env(), client_key(info[0]), fingerprint_arg(info[1]));
}
Napi::Value SerializeEvaluationKeys(const Napi::CallbackInfo& info) {
  return to_buffer(info.Env(), eval_keys(info[0]), fingerprint_arg(info[1]));
}
Napi::Value SerializeSeededKeys(const Napi::CallbackInfo& info) {
  return to_buffer(info.Env(), seeded_keys(info[0]), fingerprint_arg(info[1]));
}
Napi::Value DeserializeClientKey(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  return wrap<CKHolder>(info.Env(), deserialize_client_key(d, n, parse_params(info[1]), fingerprint_arg(info[2])), 0);
}
Napi::Value DeserializeEvaluationKeys(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  return wrap_evaluation_keys(info.Env(), deserialize_evaluation_keys(d, n, parse_params(info[1]), fingerprint_arg(info[2])));
}
Napi::Value DeserializeSeededKeys(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  auto k = deserialize_seeded_keys(d, n, parse_params(info[1]), fingerprint_arg(info[2]));
  const int64_t bytes = int64_t((k->bsk_bodies.size() + k->ksk_bodies.size()) * 8);
  return wrap<SKHolder>(info.Env(), std::move(k), bytes);
}

}  // namespace

void export_keys(Napi::Env env, Napi::Object exports) {
  FHE_EXPORT(exports, "clientKeyGenerate", ClientKeyGenerate);
  FHE_EXPORT(exports, "sessionKeygen", SessionKeygen);
  FHE_EXPORT(exports, "sessionExpand", SessionExpand);
  FHE_EXPORT(exports, "sessionSizes", SessionSizes);
  FHE_EXPORT(exports, "sessionRun", SessionRun);
  FHE_EXPORT(exports, "sessionTake", SessionTake);
  FHE_EXPORT(exports, "serializeClientKey", SerializeClientKey);
  FHE_EXPORT(exports, "serializeEvaluationKeys", SerializeEvaluationKeys);
  FHE_EXPORT(exports, "serializeSeededKeys", SerializeSeededKeys);
  FHE_EXPORT(exports, "deserializeClientKey", DeserializeClientKey);
  FHE_EXPORT(exports, "deserializeEvaluationKeys", DeserializeEvaluationKeys);
  FHE_EXPORT(exports, "deserializeSeededKeys", DeserializeSeededKeys);
}

}  // namespace fhe::bindings
