#include "bindings/async_jobs.h"

namespace fhe::bindings {

void Settlement::resolve_with(std::function<Napi::Value(Napi::Env)> make) {
  done = true;
  make_value = std::move(make);
  settle();
}

void Settlement::reject_with(const Napi::Error& e) {
  done = true;
  error = Napi::Persistent(e.Value());
  settle();
}

void Settlement::progress_drained() {
  progress_pending = false;
  settle();
}

void Settlement::settle() {
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

ProgressSink::ProgressSink(Napi::Env env, Napi::Function on_progress, const char* name,
                           const std::shared_ptr<Settlement>& s)
    : tsfn_(Napi::ThreadSafeFunction::New(env, on_progress, name, 0, 1, [s](Napi::Env) { s->progress_drained(); })) {
  s->progress_pending = true;
}

void ProgressSink::report(size_t done, size_t total) {
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

LambdaWorker::LambdaWorker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done,
                           std::vector<HolderBase*> pins, std::vector<Napi::Value> keep,
                           std::shared_ptr<Settlement> settlement)
    : Napi::AsyncWorker(env), settlement_(settlement ? std::move(settlement) : std::make_shared<Settlement>(env)),
      work_(std::move(work)), done_(std::move(done)), pins_(std::move(pins)) {
  for (auto* p : pins_) p->busy++;
  for (auto& v : keep) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
}

void LambdaWorker::Execute() {
  try {
    work_();
  } catch (const std::bad_alloc&) {
    SetError("out of memory");
  } catch (const std::exception& e) {
    SetError(e.what());
  }
}

void LambdaWorker::OnOK() {
  unpin();
  settlement_->resolve_with(std::move(done_));
}

void LambdaWorker::OnError(const Napi::Error& e) {
  unpin();
  settlement_->reject_with(e);
}

void LambdaWorker::unpin() {
  for (auto* p : pins_) p->busy--;
  pins_.clear();
}

Napi::Value queue_batch_job(Napi::Env env, Napi::Function on_progress, const char* name, BatchJob job,
                            std::vector<HolderBase*> pins, std::vector<Napi::Value> keep) {
  return queue_job<LweCiphertextBatch>(env, on_progress, name, std::move(job), wrap_batch, std::move(pins),
                                       std::move(keep));
}

}  // namespace fhe::bindings
