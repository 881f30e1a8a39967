// Body of the hot kernels. Included three times by kernels.cc, once per instruction set, inside a
// namespace, with KERNEL_ATTR set to the matching __attribute__((target(...))); the compiler
// vectorizes the same plain loops for each width. No function here allocates.

static KERNEL_ATTR inline void fft_dif(const FftPlan& p, double* __restrict re, double* __restrict im) {
  const size_t m = p.m;
  size_t s = 0;
  for (size_t len = m; len >= 2; len >>= 1, ++s) {
    const size_t half = len >> 1;
    const double* __restrict wr = p.tw_re.data() + p.stage_offset[s];
    const double* __restrict wi = p.tw_im.data() + p.stage_offset[s];
    if (half == 1) {
      for (size_t b = 0; b < m; b += 2) {
        const double ur = re[b], ui = im[b], vr = re[b + 1], vi = im[b + 1];
        re[b] = ur + vr; im[b] = ui + vi; re[b + 1] = ur - vr; im[b + 1] = ui - vi;
      }
      continue;
    }
    for (size_t b = 0; b < m; b += len) {
      double* __restrict xr = re + b;
      double* __restrict xi = im + b;
      double* __restrict yr = re + b + half;
      double* __restrict yi = im + b + half;
#pragma GCC ivdep
      for (size_t j = 0; j < half; ++j) {
        const double ur = xr[j], ui = xi[j], vr = yr[j], vi = yi[j];
        xr[j] = ur + vr;
        xi[j] = ui + vi;
        const double dr = ur - vr, di = ui - vi;
        yr[j] = dr * wr[j] - di * wi[j];
        yi[j] = dr * wi[j] + di * wr[j];
      }
    }
  }
}

static KERNEL_ATTR inline void fft_dit_inverse(const FftPlan& p, double* __restrict re, double* __restrict im) {
  const size_t m = p.m;
  size_t s = p.stage_offset.size();
  for (size_t len = 2; len <= m; len <<= 1) {
    --s;
    const size_t half = len >> 1;
    const double* __restrict wr = p.tw_re.data() + p.stage_offset[s];
    const double* __restrict wi = p.tw_im.data() + p.stage_offset[s];
    if (half == 1) {
      for (size_t b = 0; b < m; b += 2) {
        const double ur = re[b], ui = im[b], vr = re[b + 1], vi = im[b + 1];
        re[b] = ur + vr; im[b] = ui + vi; re[b + 1] = ur - vr; im[b + 1] = ui - vi;
      }
      continue;
    }
    for (size_t b = 0; b < m; b += len) {
      double* __restrict xr = re + b;
      double* __restrict xi = im + b;
      double* __restrict yr = re + b + half;
      double* __restrict yi = im + b + half;
#pragma GCC ivdep
      for (size_t j = 0; j < half; ++j) {
        // v * conj(w)
        const double vr = yr[j] * wr[j] + yi[j] * wi[j];
        const double vi = yi[j] * wr[j] - yr[j] * wi[j];
        const double ur = xr[j], ui = xi[j];
        xr[j] = ur + vr; xi[j] = ui + vi;
        yr[j] = ur - vr; yi[j] = ui - vi;
      }
    }
  }
}

static KERNEL_ATTR void forward_i64(const FftPlan& p, const i64* __restrict c, double* __restrict re,
                                    double* __restrict im) {
  const size_t m = p.m;
  const double* __restrict tr = p.twist_re.data();
  const double* __restrict ti = p.twist_im.data();
  for (size_t j = 0; j < m; ++j) {
    const double a = double(c[j]), b = double(c[j + m]);
    re[j] = a * tr[j] - b * ti[j];
    im[j] = a * ti[j] + b * tr[j];
  }
  fft_dif(p, re, im);
}

static KERNEL_ATTR void forward_torus(const FftPlan& p, const Torus* __restrict c, double* __restrict re,
                                      double* __restrict im) {
  forward_i64(p, reinterpret_cast<const i64*>(c), re, im);
}

// Round x to the nearest integer and reduce it mod 2^64, for any finite |x| (up to ~2^100 after
// a PBS accumulation). Below 2^52 the hardware conversion is exact after rounding; above, x is
// already an integer and its low 64 bits are the mantissa shifted by the exponent.
static KERNEL_ATTR inline u64 f64_to_torus(double x) {
  u64 bits;
  __builtin_memcpy(&bits, &x, 8);
  const i64 e = i64((bits >> 52) & 0x7ff) - 1075;
  const u64 mant = (bits & ((u64(1) << 52) - 1)) | (u64(1) << 52);
  const u64 big_mag = e < 64 ? (mant << (e & 63)) : 0;
  const u64 big = (bits >> 63) ? (u64(0) - big_mag) : big_mag;
  const double xs = e < 0 ? x : 0.0;
  const u64 small = u64(i64(__builtin_nearbyint(xs)));
  return e < 0 ? small : big;
}

static KERNEL_ATTR void backward_add_torus(const FftPlan& p, double* __restrict re, double* __restrict im,
                                           Torus* __restrict acc) {
  fft_dit_inverse(p, re, im);
  const size_t m = p.m;
  const double* __restrict tr = p.untwist_re.data();
  const double* __restrict ti = p.untwist_im.data();
  for (size_t j = 0; j < m; ++j) {
    const double a = re[j] * tr[j] - im[j] * ti[j];
    const double b = re[j] * ti[j] + im[j] * tr[j];
    acc[j] += f64_to_torus(a);
    acc[j + m] += f64_to_torus(b);
  }
}

static KERNEL_ATTR void backward_round_i64(const FftPlan& p, double* __restrict re, double* __restrict im,
                                           i64* __restrict out) {
  fft_dit_inverse(p, re, im);
  const size_t m = p.m;
  const double* __restrict tr = p.untwist_re.data();
  const double* __restrict ti = p.untwist_im.data();
  for (size_t j = 0; j < m; ++j) {
    const double a = re[j] * tr[j] - im[j] * ti[j];
    const double b = re[j] * ti[j] + im[j] * tr[j];
    out[j] = i64(__builtin_nearbyint(a));
    out[j + m] = i64(__builtin_nearbyint(b));
  }
}

static KERNEL_ATTR void mac(size_t m, double* __restrict orr, double* __restrict oi, const double* __restrict ar,
                            const double* __restrict ai, const double* __restrict br, const double* __restrict bi) {
  for (size_t j = 0; j < m; ++j) {
    orr[j] += ar[j] * br[j] - ai[j] * bi[j];
    oi[j] += ar[j] * bi[j] + ai[j] * br[j];
  }
}

static KERNEL_ATTR void axpy(size_t len, Torus* __restrict out, const Torus* __restrict in, u64 w) {
  for (size_t i = 0; i < len; ++i) out[i] += w * in[i];
}

static KERNEL_ATTR void decompose(size_t len, const Torus* __restrict in, unsigned base_log, unsigned levels,
                                  i64* __restrict out) {
  const unsigned shift = 64 - base_log * levels;  // >= 1 (validated)
  const u64 mask = (u64(1) << base_log) - 1;
  const u64 half = u64(1) << (base_log - 1);
  for (size_t i = 0; i < len; ++i) {
    // Round to the closest multiple of 2^shift, then peel digits from the least significant level,
    // moving a carry up whenever a digit would be >= B/2 (digits end in [-B/2, B/2)).
    u64 state = (in[i] >> shift) + ((in[i] >> (shift - 1)) & 1);
    for (unsigned l = levels; l-- > 0;) {
      const u64 d = state & mask;
      state >>= base_log;
      const u64 carry = d >= half ? 1 : 0;
      state += carry;
      out[size_t(l) * len + i] = i64(d) - i64(carry << base_log);
    }
  }
}
