// Negacyclic FFT over f64 (our own): a real polynomial of size N modulo X^N + 1 is folded into
// M = N/2 complex numbers z_j = (a_j + i*a_{j+M}) * e^{i*pi*j/N}, then an M-point complex FFT
// evaluates it at the roots e^{i*pi*(4k+1)/N} of X^N + 1. Layout is split (SoA): M real parts then
// M imaginary parts. The forward transform is decimation-in-frequency and leaves its output in
// bit-reversed order; the backward transform is decimation-in-time and takes bit-reversed input.
// Pointwise products do not care about order, so no permutation pass is ever run.
#pragma once
#include <string>
#include <vector>

#include "commons/aligned_buffer.h"

namespace fhe {

// Memory pulled into L2 while transforms compute: a blind rotation of one ciphertext hands over the
// next GGSW, which its multiply-accumulate would otherwise read from DRAM only when it starts,
// with the memory bus idle during the FFTs before. The transforms call step() before each of
// their passes (FftPlan::prefetch_steps per transform); start() spreads the lines over `steps`.
struct PrefetchStream {
  const char* next = nullptr;
  const char* end = nullptr;
  size_t per_step = 0;
  void start(const void* data, size_t bytes, size_t steps) {
    next = static_cast<const char*>(data);
    end = next + bytes;
    per_step = ((bytes + 63) / 64 + steps - 1) / (steps ? steps : 1);
  }
  void step() {
    for (size_t t = 0; t < per_step && next < end; ++t, next += 64) __builtin_prefetch(next, 0, 2);
  }
};

struct FftPlan {
  size_t n;  // polynomial size N
  size_t m;  // complex points N/2
  // Twiddles of every DIF stage, largest first: stage of length L stores w_L^j = e^{+2*pi*i*j/L},
  // j < L/2, contiguously, so each butterfly loop streams them.
  AlignedBuffer<double> tw_re, tw_im;
  std::vector<size_t> stage_offset;  // offset of stage s (L = m >> s) in tw_*
  AlignedBuffer<double> twist_re, twist_im;      // e^{+i*pi*j/N}
  AlignedBuffer<double> untwist_re, untwist_im;  // e^{-i*pi*j/N} / M (inverse scale folded in)
  // Complex points of a block that runs its remaining stages in L1 (16 KiB split layout).
  static constexpr size_t kBlock = 1024;
  // PrefetchStream::step() calls per transform (forward or backward): one per radix-2 or radix-4
  // pass, counted per block in the depth-first part.
  size_t prefetch_steps = 0;
  explicit FftPlan(size_t n);
};

// Plans are built once per size and shared (read-only after construction, thread-safe).
const FftPlan& fft_plan(size_t n);

// Frequencies per block of a Fourier GGSW as ext_mac reads it (entities/fourier_ggsw_layout.h):
// one AVX-512 register of doubles; the whole polynomial when it has fewer points.
constexpr size_t kGgswFrequencyBlock = 8;

// Hot kernels, compiled for generic x86-64, AVX2+FMA and AVX-512 (kernels.cc), chosen at run time.
struct Kernels {
  const char* name;
  // Fold, twist and transform N signed integer coefficients into (re, im) (bit-reversed order).
  // pf (may be null): see PrefetchStream.
  void (*forward_i64)(const FftPlan&, const i64* coeffs, double* re, double* im, PrefetchStream* pf);
  // Same for torus coefficients (read as signed two's complement).
  void (*forward_torus)(const FftPlan&, const Torus* coeffs, double* re, double* im);
  // Backward transform of (re, im) (destroyed), untwist, scale, round and wrap mod 2^64, and ADD
  // into acc (N torus coefficients).
  void (*backward_add_torus)(const FftPlan&, double* re, double* im, Torus* acc, PrefetchStream* pf);
  // Backward transform, rounding to the nearest integer into out (exact products; keygen).
  void (*backward_round_i64)(const FftPlan&, double* re, double* im, i64* out);
  // out += a * b, complex, split layout, m points.
  void (*mac)(size_t m, double* out_re, double* out_im, const double* a_re, const double* a_im,
              const double* b_re, const double* b_im);
  // The external product's multiply-accumulate: out_c = sum_row f_row * g_(row, c) for the kp1
  // output polynomials c (f and out: polynomials `stride` doubles apart, re m then im; f has `rows`
  // of them; g: one Fourier GGSW of rows * kp1 polynomials, frequency-blocked by kGgswFrequencyBlock:
  // entities/fourier_ggsw_layout.h).
  // Same bits as zeroing out and calling mac row after row.
  void (*ext_mac)(size_t m, size_t stride, size_t rows, size_t kp1, const double* f, const double* g, double* out);
  // out += w * in (wrapping u64), len elements.
  void (*axpy)(size_t len, Torus* out, const Torus* in, u64 w);
  // Same modulo 2^32 (the keyswitch).
  void (*axpy32)(size_t len, u32* out, const u32* in, u32 w);
  // Signed balanced decomposition of len torus values into levels digit rows (most significant
  // level first): out[level * len + i], digits in [-B/2, B/2).
  void (*decompose)(size_t len, const Torus* in, unsigned base_log, unsigned levels, i64* out);
  // decompose of X^a * in - in (negacyclic, N = n coefficients, a in [0, 2N)) without writing the
  // rotated polynomial: the CMux input of the blind rotation.
  void (*decompose_rotated)(size_t n, const Torus* in, size_t a, unsigned base_log, unsigned levels, i64* out);
  // decompose_rotated then forward_i64 of each level (levels rows of N doubles, re then im), fused:
  // same bits, no digit polynomials in memory.
  void (*decompose_rotated_forward)(const FftPlan&, const Torus* in, size_t a, unsigned base_log, unsigned levels,
                                    double* out, PrefetchStream* pf);
};

const Kernels& kernels();
// Select a kernel variant by name ("generic", "avx2", "avx512"); for tests and benchmarks.
// Returns false if the CPU does not support it.
bool select_kernels(const std::string& name);

// Exact negacyclic product of a torus polynomial by a binary polynomial (key), via 16-bit limbs
// whose products stay far below 2^53 so the f64 FFT result rounds exactly. out = a * key.
// key_fourier: the forward transform of the key polynomial. scratch: >= 3N doubles + N i64.
void poly_mul_binary_exact(const FftPlan& plan, const Torus* a, const double* key_re,
                           const double* key_im, Torus* out, double* scratch, i64* scratch_i64);

}  // namespace fhe
