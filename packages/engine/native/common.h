// Shared vocabulary of the engine: torus integers, named parameter types, the parameter set,
// and the loud assertion used at every public entry point.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fhe {

using u8 = uint8_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i64 = int64_t;

// Torus elements live in Z/2^64: every add/sub/mul is native wrapping u64 arithmetic.
using Torus = u64;

// Error thrown for any invalid input; the N-API layer converts it into a JS Error.
struct EngineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] inline void fail(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  throw EngineError(os.str());
}

// FHE_CHECK(cond, "Mismatched LweDimension. Key: ", a, ", ciphertext: ", b)
#define FHE_CHECK(cond, ...) \
  do {                       \
    if (!(cond)) ::fhe::fail(__VA_ARGS__); \
  } while (0)

// Named parameter types: a call with two swapped integers does not compile.
#define FHE_NAMED_SIZE(Name)                                   \
  struct Name {                                                \
    size_t value;                                              \
    constexpr explicit Name(size_t v) : value(v) {}            \
    constexpr bool operator==(const Name& o) const { return value == o.value; } \
    constexpr bool operator!=(const Name& o) const { return value != o.value; } \
  };
FHE_NAMED_SIZE(LweDimension)
FHE_NAMED_SIZE(GlweDimension)
FHE_NAMED_SIZE(PolynomialSize)
FHE_NAMED_SIZE(DecompositionBaseLog)
FHE_NAMED_SIZE(DecompositionLevelCount)
#undef FHE_NAMED_SIZE

struct Decomposition {
  DecompositionBaseLog base_log{0};
  DecompositionLevelCount level_count{0};
};

// Upper bounds of the samplers (csprng.h), mirrored by @fhenet/params (distribution.ts):
// TU(b) takes b + 2 random bits of one u64; a Gaussian sample reaches ~8.7 sigma and must round
// into a signed 64-bit integer.
constexpr unsigned kMaxTUniformBoundLog2 = 62;
constexpr double kMaxGaussianStdDevLog2 = 59;

// Noise distribution of encryptions (torus scale 2^64).
struct NoiseDistribution {
  enum Kind { TUniform = 0, Gaussian = 1 } kind = TUniform;
  unsigned bound_log2 = 0;   // TUniform: values in [-2^b, 2^b]
  double std_dev = 0.0;      // Gaussian: integer standard deviation (sigma * 2^64)
};

// One keyswitch-then-PBS parameter set with binary secret keys and q = 2^64.
struct Params {
  unsigned message_bits = 0;  // p = 2^message_bits slots, plus one padding bit
  LweDimension lwe_dimension{0};
  GlweDimension glwe_dimension{0};
  PolynomialSize polynomial_size{0};
  NoiseDistribution lwe_noise, glwe_noise;
  Decomposition pbs, ks;
  // Centered modulus switch (what the published 2^-128 sets are rated with) or plain rounding.
  // How keys are used, not what they are: not part of same_as() or the serialized header.
  bool centered_modulus_switch = true;

  // Dimension of the big key k*N: the LWE dimension of every ciphertext outside a PBS.
  LweDimension big_lwe_dimension() const {
    return LweDimension(glwe_dimension.value * polynomial_size.value);
  }
  u64 delta() const { return u64(1) << (63 - message_bits); }
  size_t message_modulus() const { return size_t(1) << message_bits; }
  // Structural validity only; the 128-bit security check lives in @fhenet/params and in
  // validate_security() (addon.cc), which refuses insecure sets before any key exists.
  void validate() const;
  bool same_as(const Params& o) const;
  std::string describe() const;
};

inline bool is_pow2(size_t x) { return x && !(x & (x - 1)); }
inline unsigned log2_exact(size_t x) {
  unsigned r = 0;
  while ((size_t(1) << r) < x) ++r;
  return r;
}

inline void Params::validate() const {
  FHE_CHECK(message_bits >= 1 && message_bits <= 16, "messageBits must be in 1..16, got ", message_bits);
  FHE_CHECK(lwe_dimension.value >= 1 && lwe_dimension.value <= (1u << 16),
            "lweDimension out of range: ", lwe_dimension.value);
  FHE_CHECK(glwe_dimension.value >= 1 && glwe_dimension.value <= 16,
            "glweDimension must be in 1..16, got ", glwe_dimension.value);
  FHE_CHECK(is_pow2(polynomial_size.value) && polynomial_size.value >= 64 &&
                polynomial_size.value <= (1u << 17),
            "polynomialSize must be a power of two in 64..131072, got ", polynomial_size.value);
  FHE_CHECK(2 * message_modulus() <= polynomial_size.value,
            "polynomialSize ", polynomial_size.value, " too small for ", message_bits,
            " message bits plus padding (needs >= ", 2 * message_modulus(), ")");
  auto check_dec = [](const Decomposition& d, const char* what) {
    FHE_CHECK(d.base_log.value >= 1 && d.level_count.value >= 1 &&
                  d.base_log.value * d.level_count.value <= 63,
              what, " decomposition needs baseLog >= 1, levels >= 1, baseLog*levels <= 63; got ",
              d.base_log.value, "/", d.level_count.value);
  };
  check_dec(pbs, "PBS");
  check_dec(ks, "keyswitch");
  auto check_noise = [](const NoiseDistribution& n, const char* what) {
    if (n.kind == NoiseDistribution::TUniform)
      FHE_CHECK(n.bound_log2 <= kMaxTUniformBoundLog2, what, " TUniform bound log2 must be <= ",
                kMaxTUniformBoundLog2, ", got ", n.bound_log2);
    else
      FHE_CHECK(n.std_dev > 0 && n.std_dev <= std::exp2(kMaxGaussianStdDevLog2), what,
                " Gaussian std dev must be in (0, 2^", kMaxGaussianStdDevLog2, "], got ", n.std_dev);
  };
  check_noise(lwe_noise, "LWE noise:");
  check_noise(glwe_noise, "GLWE noise:");
}

inline bool Params::same_as(const Params& o) const {
  auto same_noise = [](const NoiseDistribution& a, const NoiseDistribution& b) {
    return a.kind == b.kind && (a.kind == NoiseDistribution::TUniform ? a.bound_log2 == b.bound_log2
                                                                       : a.std_dev == b.std_dev);
  };
  return message_bits == o.message_bits && lwe_dimension == o.lwe_dimension &&
         glwe_dimension == o.glwe_dimension && polynomial_size == o.polynomial_size &&
         same_noise(lwe_noise, o.lwe_noise) && same_noise(glwe_noise, o.glwe_noise) &&
         pbs.base_log == o.pbs.base_log && pbs.level_count == o.pbs.level_count &&
         ks.base_log == o.ks.base_log && ks.level_count == o.ks.level_count;
}

inline std::string Params::describe() const {
  std::ostringstream os;
  os << message_bits << "-bit n=" << lwe_dimension.value << " k=" << glwe_dimension.value
     << " N=" << polynomial_size.value;
  return os.str();
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
