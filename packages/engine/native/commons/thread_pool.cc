#include "commons/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace fhe {

static thread_local bool t_in_pool = false;

struct ThreadPool::Impl {
  std::mutex job_mu;  // one job at a time
  std::mutex mu;
  std::condition_variable cv_start, cv_done;
  std::vector<std::thread> workers;
  bool stop = false;
  u64 generation = 0;
  const std::function<void(size_t, size_t)>* fn = nullptr;
  size_t count = 0;
  std::atomic<size_t> next{0};
  size_t running = 0;
  std::exception_ptr error;

  void run_items(size_t worker) {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= count) break;
      try {
        (*fn)(i, worker);
      } catch (...) {
        std::lock_guard<std::mutex> g(mu);
        if (!error) error = std::current_exception();
        next.store(count);
      }
    }
  }

  void worker_main(size_t id) {
    t_in_pool = true;
    u64 seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu);
        cv_start.wait(lk, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
      }
      run_items(id);
      {
        std::lock_guard<std::mutex> g(mu);
        if (--running == 0) cv_done.notify_all();
      }
    }
  }

  void start(size_t n) {
    for (size_t i = 1; i < n; ++i) workers.emplace_back([this, i] { worker_main(i); });
  }
  void shutdown() {
    {
      std::lock_guard<std::mutex> g(mu);
      stop = true;
    }
    cv_start.notify_all();
    for (auto& t : workers) t.join();
    workers.clear();
    stop = false;
  }
};

ThreadPool::ThreadPool() : impl_(new Impl) {
  size_t n = std::thread::hardware_concurrency();
  impl_->start(n ? n : 1);
}

ThreadPool::~ThreadPool() {
  impl_->shutdown();
  delete impl_;
}

ThreadPool& ThreadPool::global() {
  // Leaked on purpose: joining threads from static destructors at process exit can hang.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

void ThreadPool::set_threads(size_t n) {
  FHE_CHECK(n >= 1 && n <= 256, "thread count must be in 1..256, got ", n);
  std::lock_guard<std::mutex> g(impl_->job_mu);
  impl_->shutdown();
  impl_->start(n);
}

size_t ThreadPool::threads() const { return impl_->workers.size() + 1; }

void ThreadPool::parallel_for(size_t count, const std::function<void(size_t, size_t)>& fn) {
  if (count == 0) return;
  if (t_in_pool || count == 1 || impl_->workers.empty()) {
    for (size_t i = 0; i < count; ++i) fn(i, 0);
    return;
  }
  std::lock_guard<std::mutex> job(impl_->job_mu);
  {
    std::lock_guard<std::mutex> g(impl_->mu);
    impl_->fn = &fn;
    impl_->count = count;
    impl_->next.store(0);
    impl_->error = nullptr;
    impl_->running = impl_->workers.size();
    impl_->generation++;
  }
  impl_->cv_start.notify_all();
  t_in_pool = true;
  impl_->run_items(0);
  t_in_pool = false;
  std::exception_ptr err;
  {
    std::unique_lock<std::mutex> lk(impl_->mu);
    impl_->cv_done.wait(lk, [&] { return impl_->running == 0; });
    err = impl_->error;
    impl_->fn = nullptr;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace fhe
