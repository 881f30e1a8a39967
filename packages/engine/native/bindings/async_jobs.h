// Long operations run on libuv workers and return Promises, optionally reporting progress from
// the engine's pool threads to a JS callback. Two guarantees, for every job with progress: counts
// arrive increasing, and every call is delivered before the job's Promise settles.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "bindings/handles.h"

namespace fhe::bindings {

// (done, total) from pool threads; must be thread-safe and cheap.
using JobProgress = std::function<void(size_t done, size_t total)>;

// A job's Promise and its outcome. It settles once the job is done and, when the job reports
// progress, once every progress call the job queued has reached JS: the thread-safe function's
// finalizer runs only after its queue drains, so a caller's last onProgress(total, total) always
// comes before the Promise settles. Only touched on the JS thread. The value is built when the
// Promise settles (a handle is an External, which Node-API cannot hold in a reference).
struct Settlement {
  explicit Settlement(Napi::Env env) : env(env), deferred(Napi::Promise::Deferred::New(env)) {}
  void resolve_with(std::function<Napi::Value(Napi::Env)> make);
  void reject_with(const Napi::Error& e);
  void progress_drained();

  Napi::Env env;
  Napi::Promise::Deferred deferred;
  bool progress_pending = false;

 private:
  void settle();
  bool done = false, settled = false;
  std::function<Napi::Value(Napi::Env)> make_value;
  Napi::ObjectReference error;
};

// (done, total) from pool threads to a JS callback, in increasing order of `done` (pool threads
// finish groups in any order; a smaller count arriving after a larger one is dropped here, under
// the lock that also orders the queue). The job must call release() when it ends, success or not.
class ProgressSink {
 public:
  ProgressSink(Napi::Env env, Napi::Function on_progress, const char* name, const std::shared_ptr<Settlement>& s);
  void report(size_t done, size_t total);
  void release() { tsfn_.Release(); }

 private:
  Napi::ThreadSafeFunction tsfn_;
  std::mutex mu_;
  size_t last_ = 0;
};
using ProgressChannel = std::shared_ptr<ProgressSink>;

// Runs `work` on a libuv thread and settles with `done()` on the JS thread. `pins` are busy
// (refuse dispose) and `keep` stays referenced until the job ends.
class LambdaWorker : public Napi::AsyncWorker {
 public:
  LambdaWorker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done,
               std::vector<HolderBase*> pins, std::vector<Napi::Value> keep,
               std::shared_ptr<Settlement> settlement = nullptr);
  Napi::Promise promise() { return settlement_->deferred.Promise(); }
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  void unpin();
  std::shared_ptr<Settlement> settlement_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::vector<HolderBase*> pins_;
  std::vector<Napi::ObjectReference> refs_;
};

// Runs job(progress) on a libuv worker and resolves with wrap_result(result) on the JS thread.
// progress is null without a callback; otherwise it forwards (done, total) from pool threads to
// on_progress, every call delivered before the Promise settles.
template <typename T>
Napi::Value queue_job(Napi::Env env, Napi::Function on_progress, const char* name,
                      std::function<std::unique_ptr<T>(const JobProgress* progress)> job,
                      std::function<Napi::Value(Napi::Env, std::unique_ptr<T>)> wrap_result,
                      std::vector<HolderBase*> pins, std::vector<Napi::Value> keep) {
  auto settlement = std::make_shared<Settlement>(env);
  ProgressChannel channel;
  if (!on_progress.IsEmpty()) channel = std::make_shared<ProgressSink>(env, on_progress, name, settlement);
  auto result = std::make_shared<std::unique_ptr<T>>();
  auto* w = new LambdaWorker(
      env,
      [job = std::move(job), result, channel] {
        JobProgress report = [channel](size_t done, size_t total) { channel->report(done, total); };
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
using BatchJob = std::function<std::unique_ptr<LweCiphertextBatch>(const JobProgress* progress)>;
Napi::Value queue_batch_job(Napi::Env env, Napi::Function on_progress, const char* name, BatchJob job,
                            std::vector<HolderBase*> pins, std::vector<Napi::Value> keep);

// A job without progress whose result is wrapped by H: keygen of packing keys, their expansion.
template <typename H, typename T>
Napi::Value queue_object_job(Napi::Env env, std::function<std::unique_ptr<T>()> make,
                             std::function<int64_t(const T&)> bytes, std::vector<HolderBase*> pins,
                             std::vector<Napi::Value> keep) {
  auto out = std::make_shared<std::unique_ptr<T>>();
  auto* worker = new LambdaWorker(
      env, [out, make = std::move(make)] { *out = make(); },
      [out, bytes = std::move(bytes)](Napi::Env env) {
        const int64_t b = bytes(**out);
        return wrap<H>(env, std::move(*out), b);
      },
      std::move(pins), std::move(keep));
  worker->Queue();
  return worker->promise();
}

}  // namespace fhe::bindings
