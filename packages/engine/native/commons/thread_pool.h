// A fixed-size pool running parallel_for jobs; the calling thread takes part as worker 0, so a
// pool of size T starts T-1 threads. One job runs at a time; a parallel_for called from inside a
// worker runs serially (no deadlock). The first exception of a job is rethrown to the caller.
#pragma once
#include <functional>
#include "commons/errors.h"
#include "commons/numeric.h"

namespace fhe {

class ThreadPool {
 public:
  static ThreadPool& global();
  void set_threads(size_t n);
  size_t threads() const;
  // fn(index, worker) for index in [0, count); worker in [0, threads()).
  void parallel_for(size_t count, const std::function<void(size_t, size_t)>& fn);
  ~ThreadPool();

 private:
  ThreadPool();
  struct Impl;
  Impl* impl_;
};

}  // namespace fhe
