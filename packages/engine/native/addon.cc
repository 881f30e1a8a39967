// N-API surface of the engine. Native objects travel to JS as Externals wrapping a typed Holder;
// every entry point checks the holder's kind and liveness, converts EngineError into a JS Error
// (never an abort), and long operations run on libuv workers returning Promises.
#include <napi.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bootstrap.h"
#include "fft.h"
#include "keyswitch.h"
#include "lwe.h"
#include "security.h"
#include "serialize.h"
#include "thread_pool.h"
#include "tfhers_keys.h"
#include "wop.h"

using namespace fhe;

namespace {

enum class HKind { ClientKey, EvaluationKeys, SeededKeys, Batch, Session, PackingKeys, Ggsw, SeededPackingKeys };

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

using CKHolder = Holder<ClientKey, HKind::ClientKey>;
using EKHolder = Holder<EvaluationKeys, HKind::EvaluationKeys>;
using SKHolder = Holder<SeededEvaluationKeys, HKind::SeededKeys>;
using BHolder = Holder<LweCiphertextBatch, HKind::Batch>;
using SessHolder = Holder<KeygenSession, HKind::Session>;
using PKHolder = Holder<PackingKeyswitchKeys, HKind::PackingKeys>;
using GHolder = Holder<FourierGgswList, HKind::Ggsw>;
using SPKHolder = Holder<SeededPackingKeys, HKind::SeededPackingKeys>;

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

HolderBase* holder_of(const Napi::Value& v, HKind kind, const char* arg) {
  if (!v.IsExternal()) fail(arg, ": expected a native ", hkind_name(kind), " handle");
  auto* h = v.As<Napi::External<HolderBase>>().Data();
  if (!h || h->kind != kind)
    fail(arg, ": expected a ", hkind_name(kind), ", got a ", h ? hkind_name(h->kind) : "null handle");
  if (!h->alive()) fail(arg, ": this ", hkind_name(kind), " has been disposed");
  return h;
}

template <typename H>
auto& get(const Napi::Value& v, HKind kind, const char* arg) {
  return *static_cast<H*>(holder_of(v, kind, arg))->obj;
}
ClientKey& client_key(const Napi::Value& v, const char* arg = "clientKey") { return get<CKHolder>(v, HKind::ClientKey, arg); }
EvaluationKeys& eval_keys(const Napi::Value& v, const char* arg = "evaluationKeys") {
  return get<EKHolder>(v, HKind::EvaluationKeys, arg);
}
SeededEvaluationKeys& seeded_keys(const Napi::Value& v, const char* arg = "seededKeys") {
  return get<SKHolder>(v, HKind::SeededKeys, arg);
}
LweCiphertextBatch& batch(const Napi::Value& v, const char* arg = "batch") { return get<BHolder>(v, HKind::Batch, arg); }

int64_t batch_bytes(const LweCiphertextBatch& b) { return int64_t(b.data.size() * 8); }
Napi::Value wrap_batch(Napi::Env env, std::unique_ptr<LweCiphertextBatch> b) {
  const int64_t bytes = batch_bytes(*b);
  return wrap<BHolder>(env, std::move(b), bytes);
}

// ---- argument parsing ----
double num_field(const Napi::Object& o, const char* name, const char* ctx) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) fail(ctx, ".", name, ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}
size_t uint_field(const Napi::Object& o, const char* name, const char* ctx, double max = 1e9) {
  const double d = num_field(o, name, ctx);
  if (!(d >= 0 && d <= max && std::floor(d) == d)) fail(ctx, ".", name, ": expected an integer in 0..", max, ", got ", d);
  return size_t(d);
}
Napi::Object obj_field(const Napi::Object& o, const char* name, const char* ctx) {
  Napi::Value v = o.Get(name);
  if (!v.IsObject()) fail(ctx, ".", name, ": expected an object");
  return v.As<Napi::Object>();
}
NoiseDistribution noise_field(const Napi::Object& o, const char* name) {
  Napi::Object n = obj_field(o, name, "params");
  Napi::Value kind = n.Get("kind");
  NoiseDistribution nd;
  const std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  if (k == "tuniform") {
    nd.kind = NoiseDistribution::TUniform;
    nd.bound_log2 = unsigned(uint_field(n, "boundLog2", name, kMaxTUniformBoundLog2));
  } else if (k == "gaussian") {
    nd.kind = NoiseDistribution::Gaussian;
    const double l = num_field(n, "stdDevLog2", name);
    if (!(l > -10 && l <= kMaxGaussianStdDevLog2))
      fail(name, ".stdDevLog2: expected a number in (-10, ", kMaxGaussianStdDevLog2, "], got ", l);
    nd.std_dev = std::exp2(l);
  } else {
    fail("params.", name, ".kind: expected 'tuniform' or 'gaussian', got '", k, "'");
  }
  return nd;
}

Params parse_params(const Napi::Value& v) {
  if (!v.IsObject()) fail("params: expected a TfheParameterSet object");
  Napi::Object o = v.As<Napi::Object>();
  Params p;
  p.message_bits = unsigned(uint_field(o, "messageBits", "params", 16));
  p.lwe_dimension = LweDimension(uint_field(o, "lweDimension", "params", 1 << 16));
  p.glwe_dimension = GlweDimension(uint_field(o, "glweDimension", "params", 16));
  p.polynomial_size = PolynomialSize(uint_field(o, "polynomialSize", "params", 1 << 17));
  p.lwe_noise = noise_field(o, "lweNoise");
  p.glwe_noise = noise_field(o, "glweNoise");
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

template <typename TA>
TA typed(const Napi::Value& v, napi_typedarray_type t, const char* arg, const char* tname) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != t) fail(arg, ": expected an ", tname);
  return v.As<TA>();
}
Napi::Int32Array i32arr(const Napi::Value& v, const char* arg) {
  return typed<Napi::Int32Array>(v, napi_int32_array, arg, "Int32Array");
}
Napi::Uint32Array u32arr(const Napi::Value& v, const char* arg) {
  return typed<Napi::Uint32Array>(v, napi_uint32_array, arg, "Uint32Array");
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
size_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* arg, double max = 9.0e15) {
  if (!info[i].IsNumber()) fail(arg, ": expected a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max && std::floor(d) == d)) fail(arg, ": expected an integer in 0..", max, ", got ", d);
  return size_t(d);
}

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

// ---- async helper: run `work` on a libuv thread, resolve with `done()` on the JS thread ----

// A job's Promise and its outcome. It settles once the job is done and, when the job reports
// progress, once every progress call the job queued has reached JS: the thread-safe function's
// finalizer runs only after its queue drains, so a caller's last onProgress(total, total) always
// comes before the Promise settles. Only touched on the JS thread. The value is built when the
// Promise settles (a handle is an External, which Node-API cannot hold in a reference).
struct Settlement {
  explicit Settlement(Napi::Env env) : env(env), deferred(Napi::Promise::Deferred::New(env)) {}
  void resolve_with(std::function<Napi::Value(Napi::Env)> make) {
    done = true;
    make_value = std::move(make);
    settle();
  }
  void reject_with(const Napi::Error& e) {
    done = true;
    error = Napi::Persistent(e.Value());
    settle();
  }
  void progress_drained() {
    progress_pending = false;
    settle();
  }

  Napi::Env env;
  Napi::Promise::Deferred deferred;
  bool progress_pending = false;

 private:
  void settle() {
    if (!done || progress_pending || settled) return;
    settled = true;
    if (!make_value) {
      deferred.Reject(error.Value());
      error.Reset();
      return;
    }
    try {
      deferred.Resolve(make_value(env));
    } catch (const std::exception& e) {
      deferred.Reject(Napi::Error::New(env, e.what()).Value());
    }
    make_value = nullptr;
  }
  bool done = false, settled = false;
  std::function<Napi::Value(Napi::Env)> make_value;
  Napi::ObjectReference error;
};

// (done, total) from pool threads to a JS callback, in increasing order of `done` (pool threads
// finish groups in any order; a smaller count arriving after a larger one is dropped here, under
// the lock that also orders the queue). The job must call release() when it ends, success or not.
class ProgressSink {
 public:
  ProgressSink(Napi::Env env, Napi::Function on_progress, const char* name, const std::shared_ptr<Settlement>& s)
      : tsfn_(Napi::ThreadSafeFunction::New(env, on_progress, name, 0, 1, [s](Napi::Env) { s->progress_drained(); })) {
    s->progress_pending = true;
  }
  void report(size_t done, size_t total) {
    std::lock_guard<std::mutex> lock(mu_);
    if (done <= last_) return;
    last_ = done;
    tsfn_.NonBlockingCall([done, total](Napi::Env env, Napi::Function f) {
      try {
        f.Call({Napi::Number::New(env, double(done)), Napi::Number::New(env, double(total))});
      } catch (const Napi::Error&) {
        // A throwing progress callback must not abort the job (the TS layer reports it).
      }
    });
  }
  void release() { tsfn_.Release(); }

 private:
  Napi::ThreadSafeFunction tsfn_;
  std::mutex mu_;
  size_t last_ = 0;
};
using ProgressChannel = std::shared_ptr<ProgressSink>;

class LambdaWorker : public Napi::AsyncWorker {
 public:
  LambdaWorker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done,
               std::vector<HolderBase*> pins, std::vector<Napi::Value> keep,
               std::shared_ptr<Settlement> settlement = nullptr)
      : Napi::AsyncWorker(env), settlement_(settlement ? std::move(settlement) : std::make_shared<Settlement>(env)),
        work_(std::move(work)), done_(std::move(done)), pins_(std::move(pins)) {
    for (auto* p : pins_) p->busy++;
    for (auto& v : keep) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  Napi::Promise promise() { return settlement_->deferred.Promise(); }
  void Execute() override {
    try {
      work_();
    } catch (const std::bad_alloc&) {
      SetError("out of memory");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    unpin();
    settlement_->resolve_with(std::move(done_));
  }
  void OnError(const Napi::Error& e) override {
    unpin();
    settlement_->reject_with(e);
  }

 private:
  void unpin() {
    for (auto* p : pins_) p->busy--;
    pins_.clear();
  }
  std::shared_ptr<Settlement> settlement_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::vector<HolderBase*> pins_;
  std::vector<Napi::ObjectReference> refs_;
};

// ---- exported functions ----
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

Napi::Value KernelsName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kernels().name); }
Napi::Value SelectKernels(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) fail("selectKernels: expected 'generic', 'avx2' or 'avx512'");
  return Napi::Boolean::New(info.Env(), select_kernels(info[0].As<Napi::String>().Utf8Value()));
}
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

Napi::Value ClientKeyGenerate(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  auto k = generate_client_key(p);
  return wrap<CKHolder>(info.Env(), std::move(k), 0);
}

Napi::Value Encrypt(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  auto msgs = to_i64(i32arr(info[1], "messages"));
  return wrap_batch(info.Env(), encrypt_big(k, msgs.data(), msgs.size()));
}

Napi::Value Decrypt(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  std::vector<i64> out(b.count);
  decrypt_decode(k, b, out.data());
  auto r = Napi::Int32Array::New(info.Env(), b.count);
  for (size_t i = 0; i < b.count; ++i) r[i] = int32_t(out[i]);
  return r;
}

Napi::Value DecryptPhase(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  auto r = Napi::BigUint64Array::New(info.Env(), b.count);
  decrypt_phase(k, b, reinterpret_cast<Torus*>(r.Data()));
  return r;
}

Napi::Value BatchInfo(const Napi::CallbackInfo& info) {
  LweCiphertextBatch& b = batch(info[0]);
  auto o = Napi::Object::New(info.Env());
  o.Set("count", double(b.count));
  o.Set("dimension", double(b.dimension.value));
  return o;
}

Napi::Value Add(const Napi::CallbackInfo& info) {
  return wrap_batch(info.Env(), lwe_add(batch(info[0], "a"), batch(info[1], "b"), false));
}
Napi::Value Sub(const Napi::CallbackInfo& info) {
  return wrap_batch(info.Env(), lwe_add(batch(info[0], "a"), batch(info[1], "b"), true));
}
Napi::Value AddClear(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  auto v = to_i64(i32arr(info[2], "values"));
  return wrap_batch(info.Env(), lwe_add_clear(p, batch(info[1]), v.data(), v.size()));
}
Napi::Value MulClear(const Napi::CallbackInfo& info) {
  auto v = to_i64(i32arr(info[1], "values"));
  return wrap_batch(info.Env(), lwe_mul_clear(batch(info[0]), v.data(), v.size()));
}
Napi::Value Gather(const Napi::CallbackInfo& info) {
  auto idx = u32arr(info[1], "indices");
  return wrap_batch(info.Env(), lwe_gather(batch(info[0]), idx.Data(), idx.ElementLength()));
}
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  LweCiphertextBatch& base = batch(info[0], "base");
  auto idx = u32arr(info[1], "indices");
  LweCiphertextBatch& values = batch(info[2], "values");
  FHE_CHECK(idx.ElementLength() == values.count, "scatter: ", idx.ElementLength(), " indices for ", values.count,
            " ciphertexts");
  return wrap_batch(info.Env(), lwe_scatter(base, idx.Data(), values));
}
Napi::Value Concat(const Napi::CallbackInfo& info) {
  if (!info[0].IsArray()) fail("concat: expected an array of batches");
  auto arr = info[0].As<Napi::Array>();
  std::vector<const LweCiphertextBatch*> parts;
  for (uint32_t i = 0; i < arr.Length(); ++i) parts.push_back(&batch(arr.Get(i), "batches[i]"));
  return wrap_batch(info.Env(), lwe_concat(parts));
}

std::vector<i64> bias_arg(const Napi::Value& v, size_t rows) {
  if (v.IsUndefined() || v.IsNull()) return {};
  auto b = to_i64(i32arr(v, "bias"));
  FHE_CHECK(b.size() == rows, "bias: expected ", rows, " values (one per output), got ", b.size());
  return b;
}

Napi::Value DotDense(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  LweCiphertextBatch& in = batch(info[1]);
  auto w = i32arr(info[2], "weights");
  const size_t rows = size_arg(info, 3, "rows", 1e8), cols = size_arg(info, 4, "cols", 1e8);
  FHE_CHECK(w.ElementLength() == rows * cols, "weights: expected rows*cols = ", rows * cols, " values, got ",
            w.ElementLength());
  auto wv = to_i64(w);
  auto bias = bias_arg(info[5], rows);
  const CsrMatrix m = csr_from_dense(wv.data(), rows, cols);
  return wrap_batch(info.Env(), lwe_dot(p, in, m, bias.empty() ? nullptr : bias.data()));
}

Napi::Value DotCsr(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  LweCiphertextBatch& in = batch(info[1]);
  auto indptr = u32arr(info[2], "indptr");
  auto indices = u32arr(info[3], "indices");
  auto values = i32arr(info[4], "values");
  CsrMatrix m;
  m.rows = size_arg(info, 5, "rows", 1e8);
  m.cols = size_arg(info, 6, "cols", 1e8);
  m.indptr.assign(indptr.Data(), indptr.Data() + indptr.ElementLength());
  m.indices.assign(indices.Data(), indices.Data() + indices.ElementLength());
  m.values = to_i64(values);
  auto bias = bias_arg(info[7], m.rows);
  return wrap_batch(info.Env(), lwe_dot(p, in, m, bias.empty() ? nullptr : bias.data()));
}

struct PbsArgs {
  std::vector<u32> table_index;
  std::vector<i64> tables;
  size_t num_tables;
};
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

// Optional 5th argument of pbs/pbsAsync: { groupSize?: number, onProgress?: (done, total) => void }.
struct PbsOptionsArg {
  size_t group_size = 0;
  Napi::Function on_progress;
};
PbsOptionsArg pbs_options(const Napi::CallbackInfo& info, size_t index = 4) {
  PbsOptionsArg o;
  if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) return o;
  if (!info[index].IsObject()) fail("options: expected an object { groupSize?, onProgress? }");
  Napi::Object obj = info[index].As<Napi::Object>();
  if (!obj.Get("groupSize").IsUndefined()) o.group_size = uint_field(obj, "groupSize", "options", double(kMaxPbsGroup));
  Napi::Value cb = obj.Get("onProgress");
  if (!cb.IsUndefined()) {
    if (!cb.IsFunction()) fail("options.onProgress: expected a function (done, total) => void");
    o.on_progress = cb.As<Napi::Function>();
  }
  return o;
}

Napi::Value Pbs(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  PbsArgs a = pbs_args(info, k, b);
  const PbsOptionsArg o = pbs_options(info);
  FHE_CHECK(o.on_progress.IsEmpty(), "options.onProgress: only pbsAsync reports progress (pbs blocks the JS thread)");
  PbsBatchOptions opts;
  opts.group_size = o.group_size;
  return wrap_batch(info.Env(), pbs_batch(k, b, a.table_index.data(), a.tables.data(), a.num_tables, opts));
}

// Runs job(progress) on a libuv worker and resolves with wrap(result) on the JS thread. progress is
// null without a callback; otherwise it forwards (done, total) from pool threads to on_progress,
// every call delivered before the Promise settles. `keep` stays referenced until the job ends.
template <typename T>
Napi::Value queue_job(Napi::Env env, Napi::Function on_progress, const char* name,
                      std::function<std::unique_ptr<T>(const PbsProgress* progress)> job,
                      std::function<Napi::Value(Napi::Env, std::unique_ptr<T>)> wrap_result,
                      std::vector<HolderBase*> pins, std::vector<Napi::Value> keep) {
  auto settlement = std::make_shared<Settlement>(env);
  ProgressChannel channel;
  if (!on_progress.IsEmpty()) channel = std::make_shared<ProgressSink>(env, on_progress, name, settlement);
  auto result = std::make_shared<std::unique_ptr<T>>();
  auto* w = new LambdaWorker(
      env,
      [job = std::move(job), result, channel] {
        PbsProgress report = [channel](size_t done, size_t total) { channel->report(done, total); };
        try {
          *result = job(channel ? &report : nullptr);
        } catch (...) {
          if (channel) channel->release();
          throw;
        }
        if (channel) channel->release();
      },
      [result, wrap_result = std::move(wrap_result)](Napi::Env env) { return wrap_result(env, std::move(*result)); },
      std::move(pins), std::move(keep), settlement);
  w->Queue();
  return w->promise();
}

// queue_job for the jobs that make a ciphertext batch (PBS, residue PBS, WoP lookup).
using BatchJob = std::function<std::unique_ptr<LweCiphertextBatch>(const PbsProgress* progress)>;
Napi::Value queue_batch_job(Napi::Env env, Napi::Function on_progress, const char* name, BatchJob job,
                            std::vector<HolderBase*> pins, std::vector<Napi::Value> keep) {
  return queue_job<LweCiphertextBatch>(env, on_progress, name, std::move(job), wrap_batch, std::move(pins),
                                       std::move(keep));
}

Napi::Value PbsAsync(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  auto a = std::make_shared<PbsArgs>(pbs_args(info, k, b));
  const PbsOptionsArg o = pbs_options(info);
  const size_t group_size = o.group_size;
  return queue_batch_job(
      info.Env(), o.on_progress, "fhenet pbs progress",
      [&k, &b, a, group_size](const PbsProgress* progress) {
        PbsBatchOptions opts;
        opts.group_size = group_size;
        opts.progress = progress;
        return pbs_batch(k, b, a->table_index.data(), a->tables.data(), a->num_tables, opts);
      },
      {holder_of(info[0], HKind::EvaluationKeys, "evaluationKeys"), holder_of(info[1], HKind::Batch, "batch")},
      {info[0], info[1]});
}

// Test hook: the per-ciphertext reference loop (keyswitch_pbs_reference), one thread.
Napi::Value PbsReference(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  PbsArgs a = pbs_args(info, k, b);
  const Params& p = k.params;
  FHE_CHECK(b.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Evaluation keys (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", b.dimension.value);
  for (size_t i = 0; i < b.count; ++i)
    FHE_CHECK(a.table_index[i] < a.num_tables, "table index ", a.table_index[i], " for ciphertext ", i,
              " out of range (", a.num_tables, " tables)");
  const size_t N = p.polynomial_size.value, P = p.message_modulus();
  std::vector<Torus> luts(a.num_tables * N);
  for (size_t t = 0; t < a.num_tables; ++t) build_lut(p, a.tables.data() + t * P, luts.data() + t * N);
  auto out = std::make_unique<LweCiphertextBatch>(b.dimension, b.count);
  for (size_t i = 0; i < b.count; ++i)
    keyswitch_pbs_reference(k, b.ct(i), luts.data() + size_t(a.table_index[i]) * N, out->ct(i));
  return wrap_batch(info.Env(), std::move(out));
}

// ---- key generation / expansion sessions (chunked so JS can report progress) ----
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
    bytes += int64_t((L.fourier_bsk_len() + L.ksk_len()) * 8);
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
  return wrap<SessHolder>(info.Env(), std::move(s), int64_t((L.fourier_bsk_len() + L.ksk_len()) * 8));
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
      Torus* ksk = s.keys ? s.keys->ksk.data() : nullptr;
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
  if (s.keys)
    o.Set("evaluationKeys",
          wrap<EKHolder>(info.Env(), std::move(s.keys), int64_t((L.fourier_bsk_len() + L.ksk_len()) * 8)));
  if (s.client && s.seeded && s.seeded->bsk_bodies.data())
    o.Set("seeded", wrap<SKHolder>(info.Env(), std::move(s.seeded), int64_t((L.bsk_body_len() + L.ksk_rows()) * 8)));
  if (h->external_bytes) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -h->external_bytes);
  h->external_bytes = 0;
  h->reset();
  return o;
}

// ---- serialization ----
template <typename T, typename... Extra>
Napi::Value to_buffer(Napi::Env env, const T& obj, const Fingerprint& fp, const Extra&... extra) {
  const size_t size = serialized_size(obj);
  auto buf = Napi::Buffer<u8>::New(env, size);
  serialize(obj, extra..., fp, buf.Data(), size);
  return buf;
}
std::pair<const u8*, size_t> bytes_arg(const Napi::Value& v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    fail("bytes: expected a Uint8Array/Buffer");
  auto a = v.As<Napi::Uint8Array>();
  return {a.Data(), a.ByteLength()};
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
Napi::Value SerializeBatch(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[2]);
  LweCiphertextBatch& b = batch(info[0]);
  FHE_CHECK(b.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Parameters (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", b.dimension.value);
  return to_buffer(info.Env(), b, fingerprint_arg(info[1]), p);
}
Napi::Value DeserializeClientKey(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  return wrap<CKHolder>(info.Env(), deserialize_client_key(d, n, parse_params(info[1]), fingerprint_arg(info[2])), 0);
}
Napi::Value DeserializeEvaluationKeys(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  auto k = deserialize_evaluation_keys(d, n, parse_params(info[1]), fingerprint_arg(info[2]));
  const int64_t bytes = int64_t((k->fourier_bsk.size() + k->ksk.size()) * 8);
  return wrap<EKHolder>(info.Env(), std::move(k), bytes);
}
Napi::Value DeserializeSeededKeys(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  auto k = deserialize_seeded_keys(d, n, parse_params(info[1]), fingerprint_arg(info[2]));
  const int64_t bytes = int64_t((k->bsk_bodies.size() + k->ksk_bodies.size()) * 8);
  return wrap<SKHolder>(info.Env(), std::move(k), bytes);
}
Napi::Value DeserializeBatch(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  return wrap_batch(info.Env(), deserialize_ciphertexts(d, n, parse_params(info[1]), fingerprint_arg(info[2])));
}

// ---- tfhe-rs (node-tfhe 1.7) interop: formats and expansion in tfhers_*.cc, wrapped here ----
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
  auto k = tfhers::expand_server_key(d, n, parse_params(info[1]));
  const int64_t bytes = int64_t((k->fourier_bsk.size() + k->ksk.size()) * 8);
  return wrap<EKHolder>(info.Env(), std::move(k), bytes);
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
      [d = d, n = n, p](const PbsProgress* progress) { return tfhers::expand_server_key(d, n, p, progress); },
      [](Napi::Env env, std::unique_ptr<EvaluationKeys> keys) {
        const int64_t bytes = int64_t((keys->fourier_bsk.size() + keys->ksk.size()) * 8);
        return wrap<EKHolder>(env, std::move(keys), bytes);
      },
      {}, {info[0]});  // keeps the key bytes alive until the worker is done
}
// Test hook: `length` bytes of the tfhe-rs CSPRNG keyed by `key` (16 bytes) from table index
// (aesIndex, byteIndex), through AES-NI or the portable AES (compared with Node's AES in tests).
Napi::Value TfhersCsprngBytes(const Napi::CallbackInfo& info) {
  auto [key, key_len] = bytes_arg(info[0]);
  FHE_CHECK(key_len == 16, "key: expected 16 bytes, got ", key_len);
  tfhers::TableIndex first;
  first.aes_index = size_arg(info, 1, "aesIndex");
  first.byte_index = unsigned(size_arg(info, 2, "byteIndex", 15));
  tfhers::AesCtrGenerator g(key, first, info[4].ToBoolean());
  auto out = Napi::Buffer<u8>::New(info.Env(), size_arg(info, 3, "length", 1 << 26));
  g.fill_bytes(out.Data(), out.Length());
  return out;
}

// ---- WoP-PBS (CRT lookups; wop.h, docs/crt.md) ----
PackingKeyswitchKeys& pfks_keys(const Napi::Value& v, const char* arg = "packingKeys") {
  return get<PKHolder>(v, HKind::PackingKeys, arg);
}
FourierGgswList& ggsw_list(const Napi::Value& v, const char* arg = "ggsws") { return get<GHolder>(v, HKind::Ggsw, arg); }
Napi::BigUint64Array u64arr(const Napi::Value& v, const char* arg) {
  return typed<Napi::BigUint64Array>(v, napi_biguint64_array, arg, "BigUint64Array");
}
Decomposition decomposition_field(const Napi::Object& o, const char* name) {
  Napi::Object d = obj_field(o, name, "params");
  const std::string ctx = std::string("params.") + name;
  Decomposition r;
  r.base_log = DecompositionBaseLog(uint_field(d, "baseLog", ctx.c_str(), 63));
  r.level_count = DecompositionLevelCount(uint_field(d, "levelCount", ctx.c_str(), 63));
  return r;
}
// A WopParameterSet: a TfheParameterSet (security checked by parse_params) plus
// circuitBootstrap and packingKeyswitch decompositions { baseLog, levelCount }.
WopParams parse_wop_params(const Napi::Value& v) {
  WopParams w;
  w.params = parse_params(v);
  Napi::Object o = v.As<Napi::Object>();
  w.cbs = decomposition_field(o, "circuitBootstrap");
  w.pfks = decomposition_field(o, "packingKeyswitch");
  w.validate();
  return w;
}
std::vector<u32> moduli_arg(const Napi::Value& v) {
  auto a = u32arr(v, "moduli");
  return std::vector<u32>(a.Data(), a.Data() + a.ElementLength());
}
u32 modulus_arg(const Napi::CallbackInfo& info, size_t i) { return u32(size_arg(info, i, "p", 1 << 20)); }

// Raw torus plaintexts (e.g. residues r * round(2^64/p)) encrypted under the big key.
Napi::Value EncryptTorus(const Napi::CallbackInfo& info) {
  ClientKey& k = client_key(info[0]);
  auto pt = u64arr(info[1], "plaintexts");
  return wrap_batch(info.Env(), encrypt_big_torus(k, reinterpret_cast<const Torus*>(pt.Data()), pt.ElementLength()));
}

// Vertical-packing LUT (2^t words) from a table of M = prod(moduli) torus words over [0, M).
Napi::Value CrtLut(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  const std::vector<u32> moduli = moduli_arg(info[1]);
  auto values = u64arr(info[2], "values");
  const size_t t = check_moduli(p, moduli.data(), moduli.size());
  u64 M = 1;
  for (u32 q : moduli) M *= q;
  FHE_CHECK(values.ElementLength() == M, "values: expected M = ", M, " torus words (one per u in [0, M)), got ",
            values.ElementLength());
  auto out = Napi::BigUint64Array::New(info.Env(), size_t(1) << t);
  build_crt_lut(p, moduli.data(), moduli.size(), reinterpret_cast<const Torus*>(values.Data()),
                reinterpret_cast<Torus*>(out.Data()));
  return out;
}

// Adds raw torus constants to the bodies (residue-encoded clear values such as biases).
Napi::Value AddTorus(const Napi::CallbackInfo& info) {
  auto v = u64arr(info[1], "values");
  return wrap_batch(info.Env(), lwe_add_torus(batch(info[0]), reinterpret_cast<const Torus*>(v.Data()), v.ElementLength()));
}

// Test polynomial of g: Z_p -> torus (p odd): values = p torus words; returns N words.
Napi::Value ResidueLut(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  const u32 m = modulus_arg(info, 1);
  auto values = u64arr(info[2], "values");
  FHE_CHECK(values.ElementLength() == m, "values: expected p = ", m, " torus words, got ", values.ElementLength());
  auto out = Napi::BigUint64Array::New(info.Env(), p.polynomial_size.value);
  build_residue_lut(p, m, reinterpret_cast<const Torus*>(values.Data()), reinterpret_cast<Torus*>(out.Data()));
  return out;
}

struct ResiduePbsArgs {
  std::vector<u32> table_index;
  AlignedBuffer<Torus> luts;
  size_t num_tables = 0;
};
ResiduePbsArgs residue_pbs_args(const Napi::CallbackInfo& info, const EvaluationKeys& k, const LweCiphertextBatch& b) {
  const u32 m = modulus_arg(info, 2);
  auto idx = u32arr(info[3], "tableIndex");
  auto tables = u64arr(info[4], "tables");
  FHE_CHECK(idx.ElementLength() == b.count, "tableIndex: expected one entry per ciphertext (", b.count, "), got ",
            idx.ElementLength());
  FHE_CHECK(m >= 1 && tables.ElementLength() % m == 0 && tables.ElementLength() > 0,
            "tables: expected a non-zero multiple of p = ", m, " torus words, got ", tables.ElementLength());
  ResiduePbsArgs a;
  a.table_index.assign(idx.Data(), idx.Data() + idx.ElementLength());
  a.num_tables = tables.ElementLength() / m;
  const size_t N = k.params.polynomial_size.value;
  a.luts.resize(a.num_tables * N);
  const Torus* t = reinterpret_cast<const Torus*>(tables.Data());
  for (size_t i = 0; i < a.num_tables; ++i) build_residue_lut(k.params, m, t + i * m, a.luts.data() + i * N);
  return a;
}
// Keyswitch + PBS of residues mod p (native encoding) with functions g_s: Z_p -> torus
// (tables: p torus words each; tableIndex per ciphertext). The one-PBS residue lookup.
Napi::Value PbsResidue(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  ResiduePbsArgs a = residue_pbs_args(info, k, b);
  return wrap_batch(info.Env(), pbs_batch_luts(k, b, a.table_index.data(), a.luts.data(), a.num_tables));
}

// Same on a libuv worker + the thread pool; options (6th argument) as pbsAsync's.
Napi::Value PbsResidueAsync(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  auto a = std::make_shared<ResiduePbsArgs>(residue_pbs_args(info, k, b));
  const PbsOptionsArg o = pbs_options(info, 5);
  const size_t group_size = o.group_size;
  return queue_batch_job(
      info.Env(), o.on_progress, "fhenet residue pbs progress",
      [&k, &b, a, group_size](const PbsProgress* progress) {
        PbsBatchOptions opts;
        opts.group_size = group_size;
        opts.progress = progress;
        return pbs_batch_luts(k, b, a->table_index.data(), a->luts.data(), a->num_tables, opts);
      },
      {holder_of(info[0], HKind::EvaluationKeys, "evaluationKeys"), holder_of(info[1], HKind::Batch, "batch")},
      {info[0], info[1]});
}

// Packing keyswitching keys from the client key, on a libuv worker (seconds).
Napi::Value PfksKeygen(const Napi::CallbackInfo& info) {
  ClientKey& ck = client_key(info[0]);
  const WopParams w = parse_wop_params(info[1]);
  FHE_CHECK(ck.params.same_as(w.params), "packing keyswitch keygen: parameters do not match the client key (",
            ck.params.describe(), " vs ", w.params.describe(), ")");
  auto out = std::make_shared<std::unique_ptr<PackingKeyswitchKeys>>();
  auto* worker = new LambdaWorker(
      info.Env(), [out, &ck, w] { *out = generate_pfks_keys(ck, w); },
      [out](Napi::Env env) {
        const int64_t bytes = int64_t((*out)->data.size() * 8);
        return wrap<PKHolder>(env, std::move(*out), bytes);
      },
      {holder_of(info[0], HKind::ClientKey, "clientKey")}, {info[0]});
  worker->Queue();
  return worker->promise();
}

// Seeded form (client side, for transfer): bodies + public mask seed.
Napi::Value PfksKeygenSeeded(const Napi::CallbackInfo& info) {
  ClientKey& ck = client_key(info[0]);
  const WopParams w = parse_wop_params(info[1]);
  FHE_CHECK(ck.params.same_as(w.params), "packing keyswitch keygen: parameters do not match the client key (",
            ck.params.describe(), " vs ", w.params.describe(), ")");
  auto out = std::make_shared<std::unique_ptr<SeededPackingKeys>>();
  auto* worker = new LambdaWorker(
      info.Env(), [out, &ck, w] { *out = generate_pfks_seeded(ck, w); },
      [out](Napi::Env env) {
        const int64_t bytes = int64_t((*out)->bodies.size() * 8);
        return wrap<SPKHolder>(env, std::move(*out), bytes);
      },
      {holder_of(info[0], HKind::ClientKey, "clientKey")}, {info[0]});
  worker->Queue();
  return worker->promise();
}

// Server side: full keys from the seeded form, on a libuv worker.
Napi::Value PfksExpand(const Napi::CallbackInfo& info) {
  SeededPackingKeys& sk = get<SPKHolder>(info[0], HKind::SeededPackingKeys, "seededPackingKeys");
  auto out = std::make_shared<std::unique_ptr<PackingKeyswitchKeys>>();
  auto* worker = new LambdaWorker(
      info.Env(), [out, &sk] { *out = expand_pfks(sk); },
      [out](Napi::Env env) {
        const int64_t bytes = int64_t((*out)->data.size() * 8);
        return wrap<PKHolder>(env, std::move(*out), bytes);
      },
      {holder_of(info[0], HKind::SeededPackingKeys, "seededPackingKeys")}, {info[0]});
  worker->Queue();
  return worker->promise();
}

Napi::Value SerializePfksSeeded(const Napi::CallbackInfo& info) {
  return to_buffer(info.Env(), get<SPKHolder>(info[0], HKind::SeededPackingKeys, "seededPackingKeys"),
                   fingerprint_arg(info[1]));
}
Napi::Value DeserializePfksSeeded(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  auto k = deserialize_seeded_packing_keys(d, n, parse_wop_params(info[1]), fingerprint_arg(info[2]));
  const int64_t bytes = int64_t(k->bodies.size() * 8);
  return wrap<SPKHolder>(info.Env(), std::move(k), bytes);
}

Napi::Value PfksInfo(const Napi::CallbackInfo& info) {
  PackingKeyswitchKeys& k = pfks_keys(info[0]);
  const PfksLayout L(k.wop);
  auto o = Napi::Object::New(info.Env());
  o.Set("bytes", double(k.data.size() * 8));
  o.Set("rows", double(L.rows()));
  o.Set("keys", double(L.k + 1));
  return o;
}

// Circuit bootstrapping of one neuron's residues (batch of m ciphertexts, moduli[i] for the i-th)
// into the t selector GGSWs (doc order), Fourier form.
Napi::Value CircuitBootstrap(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  PackingKeyswitchKeys& pk = pfks_keys(info[1]);
  LweCiphertextBatch& b = batch(info[2]);
  const std::vector<u32> moduli = moduli_arg(info[3]);
  FHE_CHECK(b.count == moduli.size(), "circuitBootstrap: expected one residue ciphertext per modulus (",
            moduli.size(), "), got ", b.count);
  FHE_CHECK(b.dimension == k.params.big_lwe_dimension(), "Mismatched LweDimension. Evaluation keys (k*N): ",
            k.params.big_lwe_dimension().value, ", ciphertexts: ", b.dimension.value);
  const size_t t = check_moduli(k.params, moduli.data(), moduli.size());
  auto g = std::make_unique<FourierGgswList>(k.params.glwe_dimension.value, k.params.polynomial_size.value,
                                             pk.wop.cbs, t);
  std::vector<const Torus*> res(b.count);
  for (size_t i = 0; i < b.count; ++i) res[i] = b.ct(i);
  circuit_bootstrap(k, pk, res.data(), moduli.data(), moduli.size(), *g);
  const int64_t bytes = int64_t(g->data.size() * 8);
  return wrap<GHolder>(info.Env(), std::move(g), bytes);
}

// Benchmark hook: circuit bootstrap of one residue (batch of 1) `iters` times on the calling
// thread; mean nanoseconds per call in each phase (level PBS incl. keyswitch, PFKS, Fourier).
Napi::Value BenchCircuitBootstrap(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  PackingKeyswitchKeys& pk = pfks_keys(info[1]);
  LweCiphertextBatch& b = batch(info[2]);
  const u32 p = modulus_arg(info, 3);
  const size_t iters = size_arg(info, 4, "iters", 1e6);
  FHE_CHECK(b.count == 1 && b.dimension == k.params.big_lwe_dimension() && iters >= 1,
            "benchCircuitBootstrap: expected one big-key residue ciphertext and iters >= 1");
  const size_t t = check_moduli(k.params, &p, 1);
  FourierGgswList g(k.params.glwe_dimension.value, k.params.polynomial_size.value, pk.wop.cbs, t);
  CbsTimings tm;
  const Torus* res = b.ct(0);
  for (size_t i = 0; i < iters; ++i) circuit_bootstrap(k, pk, &res, &p, 1, g, 0, &tm);
  auto o = Napi::Object::New(info.Env());
  o.Set("pbsNs", tm.pbs_ns / double(iters));
  o.Set("pfksNs", tm.pfks_ns / double(iters));
  o.Set("fourierNs", tm.fourier_ns / double(iters));
  o.Set("bits", double(t));
  return o;
}

// Vertical packing over GGSWs [first, first+t) of a list: luts = E tables of 2^t torus words,
// returns E LWEs (big key).
Napi::Value VerticalPacking(const Napi::CallbackInfo& info) {
  FourierGgswList& g = ggsw_list(info[0]);
  const size_t first = size_arg(info, 1, "first", 1 << 20), t = size_arg(info, 2, "t", 24);
  auto luts = u64arr(info[3], "luts");
  FHE_CHECK(t >= 1 && first + t <= g.count, "verticalPacking: GGSWs [", first, ", ", first + t,
            ") outside the list of ", g.count);
  const size_t entries = size_t(1) << t;
  FHE_CHECK(luts.ElementLength() % entries == 0 && luts.ElementLength() > 0,
            "luts: expected a non-zero multiple of 2^t = ", entries, " torus words, got ", luts.ElementLength());
  const size_t E = luts.ElementLength() / entries;
  auto out = std::make_unique<LweCiphertextBatch>(LweDimension(g.k * g.N), E);
  const Torus* l = reinterpret_cast<const Torus*>(luts.Data());
  for (size_t e = 0; e < E; ++e) vertical_packing(g, first, t, l + e * entries, out->ct(e));
  return wrap_batch(info.Env(), std::move(out));
}

// Batched WoP lookup on a libuv worker + the thread pool (wop.h, wop_lookup). Arguments:
// (ek, pfks, residues batch [neuron][m], moduli, tableIndex per neuron, luts
// [table][output][2^t] torus words, outputsPerTable, options?: { onProgress }).
Napi::Value WopLookup(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  PackingKeyswitchKeys& pk = pfks_keys(info[1]);
  LweCiphertextBatch& b = batch(info[2]);
  auto moduli = std::make_shared<std::vector<u32>>(moduli_arg(info[3]));
  const size_t t = check_moduli(k.params, moduli->data(), moduli->size());
  FHE_CHECK(b.count % moduli->size() == 0, "residues: ", b.count, " ciphertexts is not a multiple of ",
            moduli->size(), " moduli");
  const size_t neurons = b.count / moduli->size();
  auto idx = u32arr(info[4], "tableIndex");
  FHE_CHECK(idx.ElementLength() == neurons, "tableIndex: expected one entry per neuron (", neurons, "), got ",
            idx.ElementLength());
  auto table_index = std::make_shared<std::vector<u32>>(idx.Data(), idx.Data() + idx.ElementLength());
  auto luts_arr = u64arr(info[5], "luts");
  const size_t outputs = size_arg(info, 6, "outputsPerTable", 1 << 16);
  FHE_CHECK(outputs >= 1, "outputsPerTable must be >= 1");
  const size_t per_table = outputs << t;
  FHE_CHECK(luts_arr.ElementLength() % per_table == 0 && luts_arr.ElementLength() > 0, "luts: expected a non-zero multiple of outputsPerTable * 2^t = ",
            per_table, " torus words, got ", luts_arr.ElementLength());
  const size_t num_tables = luts_arr.ElementLength() / per_table;
  auto luts = std::make_shared<std::vector<Torus>>(luts_arr.Data(), luts_arr.Data() + luts_arr.ElementLength());
  Napi::Function on_progress;
  if (info.Length() > 7 && !info[7].IsUndefined() && !info[7].IsNull()) {
    if (!info[7].IsObject()) fail("options: expected an object { onProgress? }");
    Napi::Value cb = info[7].As<Napi::Object>().Get("onProgress");
    if (!cb.IsUndefined()) {
      if (!cb.IsFunction()) fail("options.onProgress: expected a function (done, total) => void");
      on_progress = cb.As<Napi::Function>();
    }
  }
  return queue_batch_job(
      info.Env(), on_progress, "fhenet wop progress",
      [&k, &pk, &b, moduli, table_index, luts, num_tables, outputs](const PbsProgress* progress) {
        return wop_lookup(k, pk, b, moduli->data(), moduli->size(), table_index->data(), luts->data(), num_tables,
                          outputs, progress);
      },
      {holder_of(info[0], HKind::EvaluationKeys, "evaluationKeys"),
       holder_of(info[1], HKind::PackingKeys, "packingKeys"), holder_of(info[2], HKind::Batch, "batch")},
      {info[0], info[1], info[2]});
}

// ---- test and benchmark hooks (no secret material crosses them) ----
// Negacyclic product of a (BigInt64Array, N) by b (Int32Array, N) through the f64 FFT.
Napi::Value FftNegacyclicProduct(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array)
    fail("a: expected a BigInt64Array");
  auto a = info[0].As<Napi::BigInt64Array>();
  auto b = i32arr(info[1], "b");
  const size_t N = a.ElementLength();
  FHE_CHECK(b.ElementLength() == N && is_pow2(N) && N >= 4, "a and b must have the same power-of-two length >= 4");
  const FftPlan& plan = fft_plan(PolynomialSize(N));
  AlignedBuffer<double> fa(N), fb(N), acc(N);
  AlignedBuffer<i64> bi(N);
  for (size_t i = 0; i < N; ++i) bi[i] = b[i];
  kernels().forward_i64(plan, reinterpret_cast<const i64*>(a.Data()), fa.data(), fa.data() + plan.m);
  kernels().forward_i64(plan, bi.data(), fb.data(), fb.data() + plan.m);
  acc.zero();
  kernels().mac(plan.m, acc.data(), acc.data() + plan.m, fa.data(), fa.data() + plan.m, fb.data(), fb.data() + plan.m);
  auto out = Napi::BigInt64Array::New(info.Env(), N);
  std::vector<Torus> o(N, 0);
  kernels().backward_add_torus(plan, acc.data(), acc.data() + plan.m, o.data());
  std::memcpy(out.Data(), o.data(), N * 8);
  return out;
}

// Median-free timing loop: mean nanoseconds of one forward + one backward transform of size N.
Napi::Value BenchFft(const Napi::CallbackInfo& info) {
  const size_t N = size_arg(info, 0, "N", 1 << 17), iters = size_arg(info, 1, "iters", 1e9);
  FHE_CHECK(is_pow2(N) && N >= 64, "N must be a power of two >= 64");
  const FftPlan& plan = fft_plan(PolynomialSize(N));
  AlignedBuffer<i64> in(N);
  AlignedBuffer<double> f(N);
  std::vector<Torus> out(N, 0);
  for (size_t i = 0; i < N; ++i) in[i] = i64(i * 2654435761u % 1024) - 512;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t it = 0; it < iters; ++it) {
    kernels().forward_i64(plan, in.data(), f.data(), f.data() + plan.m);
    kernels().backward_add_torus(plan, f.data(), f.data() + plan.m, out.data());
  }
  const auto t1 = std::chrono::steady_clock::now();
  return Napi::Number::New(info.Env(), std::chrono::duration<double, std::nano>(t1 - t0).count() / double(iters));
}

// Keyswitch only, timed (ns per ciphertext), for the benchmark table. Optional group size
// (default 1): ciphertexts keyswitched together, the KSK read once per group (keyswitch_group).
Napi::Value BenchKeyswitch(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  FHE_CHECK(b.dimension == k.params.big_lwe_dimension() && b.count >= 1, "batch must hold big-key ciphertexts");
  const size_t group = info.Length() > 2 && !info[2].IsUndefined() ? size_arg(info, 2, "group", double(kMaxPbsGroup)) : 1;
  FHE_CHECK(group >= 1, "group: expected 1..", kMaxPbsGroup, ", got 0");
  const KeyLayout L(k.params);
  std::vector<Torus> out(group * (L.n + 1));
  std::vector<i64> digits(std::max(L.big * L.l_ks, group * L.l_ks * kKeyswitchChunk));
  std::vector<Torus*> outs(group);
  std::vector<const Torus*> ins(group);
  for (size_t g = 0; g < group; ++g) outs[g] = out.data() + g * (L.n + 1);
  const auto t0 = std::chrono::steady_clock::now();
  if (group == 1) {
    for (size_t i = 0; i < b.count; ++i) keyswitch(k.params, k.ksk.data(), b.ct(i), out.data(), digits.data());
  } else {
    for (size_t i = 0; i < b.count; i += group) {
      const size_t count = std::min(group, b.count - i);
      for (size_t g = 0; g < count; ++g) ins[g] = b.ct(i + g);
      keyswitch_group(k.params, k.ksk.data(), ins.data(), outs.data(), count, digits.data());
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  return Napi::Number::New(info.Env(), std::chrono::duration<double, std::nano>(t1 - t0).count() / double(b.count));
}

// count noise samples from an OS-seeded stream (distribution tests).
Napi::Value SampleNoise(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  const bool glwe = info[1].ToBoolean();
  const size_t count = size_arg(info, 2, "count", 1e8);
  ChaCha20Stream s(os_random_key(), StreamDomain::Test, 0);
  NoiseSampler ns(glwe ? p.glwe_noise : p.lwe_noise, s);
  auto out = Napi::BigInt64Array::New(info.Env(), count);
  for (size_t i = 0; i < count; ++i) out[i] = int64_t(ns.sample());
  return out;
}

#define EXPORT(name, fn) exports.Set(name, Napi::Function::New(env, guarded<fn>, name))

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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  allocator_setup();
  EXPORT("allocatorInfo", AllocatorInfo);
  EXPORT("dispose", Dispose);
  EXPORT("isAlive", IsAlive);
  EXPORT("kernelsName", KernelsName);
  EXPORT("selectKernels", SelectKernels);
  EXPORT("setThreads", SetThreads);
  EXPORT("getThreads", GetThreads);
  EXPORT("validateParams", ValidateParams);
  EXPORT("clientKeyGenerate", ClientKeyGenerate);
  EXPORT("encrypt", Encrypt);
  EXPORT("decrypt", Decrypt);
  EXPORT("decryptPhase", DecryptPhase);
  EXPORT("batchInfo", BatchInfo);
  EXPORT("add", Add);
  EXPORT("sub", Sub);
  EXPORT("addClear", AddClear);
  EXPORT("mulClear", MulClear);
  EXPORT("gather", Gather);
  EXPORT("scatter", Scatter);
  EXPORT("concat", Concat);
  EXPORT("dotDense", DotDense);
  EXPORT("dotCsr", DotCsr);
  EXPORT("pbs", Pbs);
  EXPORT("pbsAsync", PbsAsync);
  EXPORT("pbsReference", PbsReference);
  EXPORT("sessionKeygen", SessionKeygen);
  EXPORT("sessionExpand", SessionExpand);
  EXPORT("sessionSizes", SessionSizes);
  EXPORT("sessionRun", SessionRun);
  EXPORT("sessionTake", SessionTake);
  EXPORT("serializeClientKey", SerializeClientKey);
  EXPORT("serializeEvaluationKeys", SerializeEvaluationKeys);
  EXPORT("serializeSeededKeys", SerializeSeededKeys);
  EXPORT("serializeBatch", SerializeBatch);
  EXPORT("deserializeClientKey", DeserializeClientKey);
  EXPORT("deserializeEvaluationKeys", DeserializeEvaluationKeys);
  EXPORT("deserializeSeededKeys", DeserializeSeededKeys);
  EXPORT("deserializeBatch", DeserializeBatch);
  EXPORT("fftNegacyclicProduct", FftNegacyclicProduct);
  EXPORT("benchFft", BenchFft);
  EXPORT("benchKeyswitch", BenchKeyswitch);
  EXPORT("sampleNoise", SampleNoise);
  EXPORT("tfhersDecompressCiphertext", TfhersDecompressCiphertext);
  EXPORT("tfhersReadCiphertexts", TfhersReadCiphertexts);
  EXPORT("tfhersWriteCiphertexts", TfhersWriteCiphertexts);
  EXPORT("tfhersExpandServerKey", TfhersExpandServerKey);
  EXPORT("tfhersExpandServerKeyAsync", TfhersExpandServerKeyAsync);
  EXPORT("tfhersCsprngBytes", TfhersCsprngBytes);
  EXPORT("encryptTorus", EncryptTorus);
  EXPORT("addTorus", AddTorus);
  EXPORT("crtLut", CrtLut);
  EXPORT("residueLut", ResidueLut);
  EXPORT("pbsResidue", PbsResidue);
  EXPORT("pbsResidueAsync", PbsResidueAsync);
  EXPORT("pfksKeygen", PfksKeygen);
  EXPORT("pfksInfo", PfksInfo);
  EXPORT("pfksKeygenSeeded", PfksKeygenSeeded);
  EXPORT("pfksExpand", PfksExpand);
  EXPORT("serializePfksSeeded", SerializePfksSeeded);
  EXPORT("deserializePfksSeeded", DeserializePfksSeeded);
  EXPORT("circuitBootstrap", CircuitBootstrap);
  EXPORT("verticalPacking", VerticalPacking);
  EXPORT("benchCircuitBootstrap", BenchCircuitBootstrap);
  EXPORT("wopLookup", WopLookup);
  return exports;
}

}  // namespace

NODE_API_MODULE(fhenet_tfhe, Init)
