// Owned, 64-byte aligned storage for keys, ciphertexts and scratch, and wiping of secrets.
#pragma once
#include <cstddef>
#include <cstdlib>

#include "commons/errors.h"
#include "commons/numeric.h"

namespace fhe {

// Overwrite secret material before freeing it (volatile: the stores are not optimized away).
inline void wipe(void* p, size_t bytes) {
  volatile u8* v = static_cast<volatile u8*>(p);
  for (size_t i = 0; i < bytes; ++i) v[i] = 0;
}

// 64-byte aligned storage (AVX-512 loads; no false sharing between per-thread buffers).
template <typename T>
struct AlignedBuffer {
  T* ptr = nullptr;
  size_t len = 0;
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t n) { resize(n); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept : ptr(o.ptr), len(o.len) { o.ptr = nullptr; o.len = 0; }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) { release(); ptr = o.ptr; len = o.len; o.ptr = nullptr; o.len = 0; }
    return *this;
  }
  ~AlignedBuffer() { release(); }
  void release() { std::free(ptr); ptr = nullptr; len = 0; }
  void resize(size_t n) {
    release();
    if (n == 0) return;
    size_t bytes = ((n * sizeof(T) + 63) / 64) * 64;
    ptr = static_cast<T*>(std::aligned_alloc(64, bytes));
    if (!ptr) fail("out of memory allocating ", bytes, " bytes");
    len = n;
  }
  void zero() { for (size_t i = 0; i < len; ++i) ptr[i] = T(); }
  T* data() { return ptr; }
  const T* data() const { return ptr; }
  size_t size() const { return len; }
  T& operator[](size_t i) { return ptr[i]; }
  const T& operator[](size_t i) const { return ptr[i]; }
};

}  // namespace fhe
