// Instantiates kernels_impl.h for three instruction sets and picks one at run time with
// __builtin_cpu_supports, so the default build runs on any x86-64 (no -march=native).
#include <algorithm>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "commons/fft/fft.h"

namespace fhe {

#define KERNEL_ATTR
namespace k_generic {
#include "commons/fft/kernels_impl.h"
}
#undef KERNEL_ATTR

#if defined(__x86_64__) && defined(__GNUC__)
#define FHE_HAVE_X86_VARIANTS 1
#define KERNEL_ATTR __attribute__((target("avx2,fma")))
namespace k_avx2 {
#include "commons/fft/kernels_impl.h"
}
#undef KERNEL_ATTR
#define KERNEL_ATTR __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define FHE_KERNEL_AVX512 1
namespace k_avx512 {
#include "commons/fft/kernels_impl.h"
}
#undef FHE_KERNEL_AVX512
#undef KERNEL_ATTR
#endif

#define FHE_KERNEL_TABLE(ns, label) \
  Kernels{label, ns::forward_i64, ns::forward_torus, ns::backward_add_torus, ns::backward_round_i64, ns::mac, ns::ext_mac, ns::axpy, ns::axpy32, ns::decompose, ns::decompose_rotated, \
          ns::decompose_rotated_forward}

static const Kernels kGeneric = FHE_KERNEL_TABLE(k_generic, "generic");
#ifdef FHE_HAVE_X86_VARIANTS
static const Kernels kAvx2 = FHE_KERNEL_TABLE(k_avx2, "avx2");
static const Kernels kAvx512 = FHE_KERNEL_TABLE(k_avx512, "avx512");
#endif

static bool cpu_has(const std::string& name) {
#ifdef FHE_HAVE_X86_VARIANTS
  __builtin_cpu_init();
  if (name == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (name == "avx512")
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && cpu_has("avx2");
#endif
  return name == "generic";
}

static const Kernels* best_kernels() {
  const char* force = std::getenv("FHENET_KERNELS");
  if (force && cpu_has(force)) {
#ifdef FHE_HAVE_X86_VARIANTS
    if (std::string(force) == "avx512") return &kAvx512;
    if (std::string(force) == "avx2") return &kAvx2;
#endif
    return &kGeneric;
  }
#ifdef FHE_HAVE_X86_VARIANTS
  if (cpu_has("avx512")) return &kAvx512;
  if (cpu_has("avx2")) return &kAvx2;
#endif
  return &kGeneric;
}

static const Kernels* g_kernels = best_kernels();

const Kernels& kernels() { return *g_kernels; }

bool select_kernels(const std::string& name) {
  if (!cpu_has(name)) return false;
#ifdef FHE_HAVE_X86_VARIANTS
  if (name == "avx512") { g_kernels = &kAvx512; return true; }
  if (name == "avx2") { g_kernels = &kAvx2; return true; }
#endif
  g_kernels = &kGeneric;
  return true;
}

}  // namespace fhe
