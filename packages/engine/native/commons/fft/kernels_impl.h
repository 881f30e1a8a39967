// Body of the hot kernels. Included three times by kernels.cc, once per instruction set, inside a
// namespace, with KERNEL_ATTR set to the matching __attribute__((target(...))); the compiler
// vectorizes the same plain loops for each width. No function here allocates.

// Radix-2 stage (decimation in frequency) of length len over [0, m).
static KERNEL_ATTR inline void dif_radix2(double* __restrict re, double* __restrict im, size_t m, size_t len,
                                          const double* __restrict wr, const double* __restrict wi) {
  const size_t half = len >> 1;
  for (size_t b = 0; b < m; b += len) {
    double* __restrict xr = re + b;
    double* __restrict xi = im + b;
#pragma GCC ivdep
    for (size_t j = 0; j < half; ++j) {
      const double ur = xr[j], ui = xi[j], vr = xr[j + half], vi = xi[j + half];
      xr[j] = ur + vr;
      xi[j] = ui + vi;
      const double dr = ur - vr, di = ui - vi;
      xr[j + half] = dr * wr[j] - di * wi[j];
      xi[j + half] = dr * wi[j] + di * wr[j];
    }
  }
}

// Two DIF stages (len, len/2) fused: one pass over the data instead of two. w1 = w_len^j,
// w2 = w_{len/2}^j = w1^2 are read from the radix-2 tables of those stages.
static KERNEL_ATTR inline void dif_radix4(double* __restrict re, double* __restrict im, size_t lo, size_t hi, size_t len,
                                          const double* __restrict w1r, const double* __restrict w1i,
                                          const double* __restrict w2r, const double* __restrict w2i) {
  const size_t q = len >> 2;
  for (size_t b = lo; b < hi; b += len) {
    double* __restrict r0 = re + b; double* __restrict i0 = im + b;
    double* __restrict r1 = r0 + q; double* __restrict i1 = i0 + q;
    double* __restrict r2 = r1 + q; double* __restrict i2 = i1 + q;
    double* __restrict r3 = r2 + q; double* __restrict i3 = i2 + q;
#pragma GCC ivdep
    for (size_t j = 0; j < q; ++j) {
      const double y0r = r0[j] + r2[j], y0i = i0[j] + i2[j];
      const double d02r = r0[j] - r2[j], d02i = i0[j] - i2[j];
      const double y1r = r1[j] + r3[j], y1i = i1[j] + i3[j];
      // (x1 - x3) * i
      const double d13r = i3[j] - i1[j], d13i = r1[j] - r3[j];
      const double ar = y0r - y1r, ai = y0i - y1i;
      const double pr = d02r + d13r, pi = d02i + d13i;
      const double mr = d02r - d13r, mi = d02i - d13i;
      const double c1r = w1r[j], c1i = w1i[j], c2r = w2r[j], c2i = w2i[j];
      const double c3r = c1r * c2r - c1i * c2i, c3i = c1r * c2i + c1i * c2r;
      r0[j] = y0r + y1r; i0[j] = y0i + y1i;
      r1[j] = ar * c2r - ai * c2i; i1[j] = ar * c2i + ai * c2r;
      r2[j] = pr * c1r - pi * c1i; i2[j] = pr * c1i + pi * c1r;
      r3[j] = mr * c3r - mi * c3i; i3[j] = mr * c3i + mi * c3r;
    }
  }
}

// Inverse of dif_radix4 up to the factor 4: stages len/2 then len with conjugate twiddles.
static KERNEL_ATTR inline void dit_radix4(double* __restrict re, double* __restrict im, size_t lo, size_t hi, size_t len,
                                          const double* __restrict w1r, const double* __restrict w1i,
                                          const double* __restrict w2r, const double* __restrict w2i) {
  const size_t q = len >> 2;
  for (size_t b = lo; b < hi; b += len) {
    double* __restrict r0 = re + b; double* __restrict i0 = im + b;
    double* __restrict r1 = r0 + q; double* __restrict i1 = i0 + q;
    double* __restrict r2 = r1 + q; double* __restrict i2 = i1 + q;
    double* __restrict r3 = r2 + q; double* __restrict i3 = i2 + q;
#pragma GCC ivdep
    for (size_t j = 0; j < q; ++j) {
      const double c1r = w1r[j], c1i = w1i[j], c2r = w2r[j], c2i = w2i[j];
      // a1 * conj(w2), a3 * conj(w2)
      const double t1r = r1[j] * c2r + i1[j] * c2i, t1i = i1[j] * c2r - r1[j] * c2i;
      const double t3r = r3[j] * c2r + i3[j] * c2i, t3i = i3[j] * c2r - r3[j] * c2i;
      const double b0r = r0[j] + t1r, b0i = i0[j] + t1i, b1r = r0[j] - t1r, b1i = i0[j] - t1i;
      const double b2r = r2[j] + t3r, b2i = i2[j] + t3i, b3r = r2[j] - t3r, b3i = i2[j] - t3i;
      // b2 * conj(w1); b3 * conj(w1) * (-i)
      const double u2r = b2r * c1r + b2i * c1i, u2i = b2i * c1r - b2r * c1i;
      const double v3r = b3r * c1r + b3i * c1i, v3i = b3i * c1r - b3r * c1i;
      const double tr = v3i, ti = -v3r;
      r0[j] = b0r + u2r; i0[j] = b0i + u2i;
      r2[j] = b0r - u2r; i2[j] = b0i - u2i;
      r1[j] = b1r + tr; i1[j] = b1i + ti;
      r3[j] = b1r - tr; i3[j] = b1i - ti;
    }
  }
}

static KERNEL_ATTR inline void dit_radix2(double* __restrict re, double* __restrict im, size_t m, size_t len,
                                          const double* __restrict wr, const double* __restrict wi) {
  const size_t half = len >> 1;
  for (size_t b = 0; b < m; b += len) {
    double* __restrict xr = re + b;
    double* __restrict xi = im + b;
#pragma GCC ivdep
    for (size_t j = 0; j < half; ++j) {
      const double vr = xr[j + half] * wr[j] + xi[j + half] * wi[j];
      const double vi = xi[j + half] * wr[j] - xr[j + half] * wi[j];
      const double ur = xr[j], ui = xi[j];
      xr[j] = ur + vr; xi[j] = ui + vi;
      xr[j + half] = ur - vr; xi[j + half] = ui - vi;
    }
  }
}

// The last stage pair (len 4, twiddles 1): written as a loop over blocks with constant offsets so
// the compiler vectorizes across blocks (interleaved loads) instead of running 1-element loops.
static KERNEL_ATTR inline void dif_last4_loop(double* __restrict re, double* __restrict im, size_t lo, size_t hi) {
#pragma GCC ivdep
  for (size_t b = lo; b < hi; b += 4) {
    const double y0r = re[b] + re[b + 2], y0i = im[b] + im[b + 2];
    const double d02r = re[b] - re[b + 2], d02i = im[b] - im[b + 2];
    const double y1r = re[b + 1] + re[b + 3], y1i = im[b + 1] + im[b + 3];
    const double d13r = im[b + 3] - im[b + 1], d13i = re[b + 1] - re[b + 3];
    re[b] = y0r + y1r; im[b] = y0i + y1i;
    re[b + 1] = y0r - y1r; im[b + 1] = y0i - y1i;
    re[b + 2] = d02r + d13r; im[b + 2] = d02i + d13i;
    re[b + 3] = d02r - d13r; im[b + 3] = d02i - d13i;
  }
}

static KERNEL_ATTR inline void dit_first4_loop(double* __restrict re, double* __restrict im, size_t lo, size_t hi) {
#pragma GCC ivdep
  for (size_t b = lo; b < hi; b += 4) {
    const double b0r = re[b] + re[b + 1], b0i = im[b] + im[b + 1], b1r = re[b] - re[b + 1], b1i = im[b] - im[b + 1];
    const double b2r = re[b + 2] + re[b + 3], b2i = im[b + 2] + im[b + 3];
    const double b3r = re[b + 2] - re[b + 3], b3i = im[b + 2] - im[b + 3];
    re[b] = b0r + b2r; im[b] = b0i + b2i;
    re[b + 2] = b0r - b2r; im[b + 2] = b0i - b2i;
    re[b + 1] = b1r + b3i; im[b + 1] = b1i - b3r;
    re[b + 3] = b1r - b3i; im[b + 3] = b1i + b3r;
  }
}

#ifdef FHE_KERNEL_AVX512
// AVX-512: the same two length-4 stages on two blocks per register, in registers (the loop above
// compiles to 128-bit extracts and was a quarter of a forward transform). Every output is one
// rounded sum or difference of the same two values as in the loop, written fma(v, +-1, +-w):
// multiplying by +-1 and flipping a sign are exact, so the bits are those of the loop.
static KERNEL_ATTR inline __m512d signs(int a0, int a1, int a2, int a3) {
  return _mm512_setr_pd(a0, a1, a2, a3, a0, a1, a2, a3);
}
static KERNEL_ATTR inline __m512d flip(__m512d v, __m512d sign_mask) { return _mm512_xor_pd(v, sign_mask); }
// Sign bits of the lanes whose second operand is negated.
static KERNEL_ATTR inline __m512d neg_lanes(bool n0, bool n1, bool n2, bool n3) {
  const double z = 0.0, m = -0.0;
  return _mm512_setr_pd(n0 ? m : z, n1 ? m : z, n2 ? m : z, n3 ? m : z, n0 ? m : z, n1 ? m : z, n2 ? m : z, n3 ? m : z);
}
// Lanes (0 1 2 3) -> (2 3 0 1) and (1 0 3 2), within each block of four.
// (The masked forms with v as pass-through: GCC 12 warns about the unmasked ones' undefined source.)
static KERNEL_ATTR inline __m512d swap_pairs(__m512d v) { return _mm512_mask_shuffle_f64x2(v, 0xFF, v, v, 0xB1); }
static KERNEL_ATTR inline __m512d swap_adjacent(__m512d v) { return _mm512_mask_permute_pd(v, 0xFF, v, 0x55); }

static KERNEL_ATTR inline void dif_last4(double* __restrict re, double* __restrict im, size_t lo, size_t hi) {
  // Stage 1 per block (x0..x3): lanes (x0 + x2, x1 + x3, x0 - x2, x1 - x3).
  const __m512d a1 = signs(1, 1, -1, -1);
  // Stage 2 on V = (y0, y1, d02, x1 - x3 of the other part): re (V0+V1, V0-V1, V2-V3, V2+V3),
  // im (V0+V1, V0-V1, V2+V3, V2-V3); lane j computes a*V_j + b*V_(j^1).
  const __m512d are = signs(1, -1, 1, 1), aim = signs(1, -1, 1, -1);
  const __m512d bre = neg_lanes(false, false, true, false);
  const __mmask8 lane3 = 0x88;
  size_t b = lo;
  for (; b + 8 <= hi; b += 8) {
    const __m512d xr = _mm512_loadu_pd(re + b), xi = _mm512_loadu_pd(im + b);
    const __m512d tr = _mm512_fmadd_pd(xr, a1, swap_pairs(xr));
    const __m512d ti = _mm512_fmadd_pd(xi, a1, swap_pairs(xi));
    // x1 - x3 of the imaginary part is -d13r (lane 3 of ti), of the real part d13i (lane 3 of tr).
    const __m512d vr = _mm512_mask_blend_pd(lane3, tr, ti);
    const __m512d vi = _mm512_mask_blend_pd(lane3, ti, tr);
    _mm512_storeu_pd(re + b, _mm512_fmadd_pd(vr, are, flip(swap_adjacent(vr), bre)));
    _mm512_storeu_pd(im + b, _mm512_fmadd_pd(vi, aim, swap_adjacent(vi)));
  }
  if (b < hi) dif_last4_loop(re, im, b, hi);
}

static KERNEL_ATTR inline void dit_first4(double* __restrict re, double* __restrict im, size_t lo, size_t hi) {
  // Stage 1: lanes (x0 + x1, x0 - x1, x2 + x3, x2 - x3) = (b0, b1, b2, b3).
  const __m512d a1 = signs(1, -1, 1, -1);
  // Stage 2 on V = (b0, b1, b2, b3 of the other part), lane j: a*V_j + b*V_(j^2):
  // re (b0r + b2r, b1r + b3i, b0r - b2r, b1r - b3i), im (b0i + b2i, b1i - b3r, b0i - b2i, b1i + b3r).
  const __m512d are = signs(1, 1, -1, -1), aim = signs(1, 1, -1, 1);
  const __m512d bim = neg_lanes(false, true, false, false);
  const __mmask8 lane3 = 0x88;
  size_t b = lo;
  for (; b + 8 <= hi; b += 8) {
    const __m512d xr = _mm512_loadu_pd(re + b), xi = _mm512_loadu_pd(im + b);
    const __m512d tr = _mm512_fmadd_pd(xr, a1, swap_adjacent(xr));
    const __m512d ti = _mm512_fmadd_pd(xi, a1, swap_adjacent(xi));
    const __m512d vr = _mm512_mask_blend_pd(lane3, tr, ti);
    const __m512d vi = _mm512_mask_blend_pd(lane3, ti, tr);
    _mm512_storeu_pd(re + b, _mm512_fmadd_pd(vr, are, swap_pairs(vr)));
    _mm512_storeu_pd(im + b, _mm512_fmadd_pd(vi, aim, flip(swap_pairs(vi), bim)));
  }
  if (b < hi) dit_first4_loop(re, im, b, hi);
}

// Complex products in the operation order GCC gives the radix-4 loops above (the first product
// of "a*b +- c*d" fused, the second rounded): x * c and x * conj(c).
static KERNEL_ATTR inline void cmul(__m512d& xr, __m512d& xi, __m512d cr, __m512d ci) {
  const __m512d r = _mm512_fmsub_pd(xr, cr, _mm512_mul_pd(xi, ci));
  xi = _mm512_fmadd_pd(xr, ci, _mm512_mul_pd(xi, cr));
  xr = r;
}
static KERNEL_ATTR inline void cmul_conj(__m512d& xr, __m512d& xi, __m512d cr, __m512d ci) {
  const __m512d r = _mm512_fmadd_pd(xr, cr, _mm512_mul_pd(xi, ci));
  xi = _mm512_fmsub_pd(xi, cr, _mm512_mul_pd(xr, ci));
  xr = r;
}
// 256-bit halves: (lo, hi) -> (hi, lo), (lo, lo), (hi, hi).
static KERNEL_ATTR inline __m512d swap_halves(__m512d v) { return _mm512_mask_shuffle_f64x2(v, 0xFF, v, v, 0x4E); }
static KERNEL_ATTR inline __m512d low_twice(__m512d v) { return _mm512_mask_shuffle_f64x2(v, 0xFF, v, v, 0x44); }
static KERNEL_ATTR inline __m512d high_twice(__m512d v) { return _mm512_mask_shuffle_f64x2(v, 0xFF, v, v, 0xEE); }
// Four values in both halves.
static KERNEL_ATTR inline __m512d twice(const double* __restrict v) {
  return _mm512_setr_pd(v[0], v[1], v[2], v[3], v[0], v[1], v[2], v[3]);
}
static KERNEL_ATTR inline __m512d halves(double lo, double hi) {
  return _mm512_setr_pd(lo, lo, lo, lo, hi, hi, hi, hi);
}

// The last four DIF stages of 16-point blocks in registers: the radix-4 pass of length 16
// (quarter q = 4: dif_radix4 ran it at half vector width) and the length-4 pair (dif_last4),
// one load and one store per block. Same operations on the same values as those two passes: each
// sum or difference is one fma with a +-1 factor, and a lane that the radix-4 pass does not
// multiply is multiplied by 1 + 0i, which is exact.
static KERNEL_ATTR inline void dif_tail16(double* __restrict re, double* __restrict im, size_t lo, size_t hi,
                                          const double* __restrict w1r, const double* __restrict w1i,
                                          const double* __restrict w2r, const double* __restrict w2i) {
  // Twiddles of the four lanes j < 4: (1 | w2^j) for the first output half, (w1^j | w3^j) for the
  // second, w3 = w1 * w2 as dif_radix4 computes it.
  const __m512d c1r = twice(w1r), c1i = twice(w1i), c2r = twice(w2r), c2i = twice(w2i);
  __m512d c3r = c1r, c3i = c1i;
  cmul(c3r, c3i, c2r, c2i);
  const __m512d ar = _mm512_mask_blend_pd(0xF0, _mm512_set1_pd(1.0), c2r);
  const __m512d ai = _mm512_mask_blend_pd(0xF0, _mm512_setzero_pd(), c2i);
  const __m512d br = _mm512_mask_blend_pd(0xF0, c1r, c3r), bi = _mm512_mask_blend_pd(0xF0, c1i, c3i);
  const __m512d plus_minus = halves(1, -1), minus_plus = halves(-1, 1);
  // dif_last4 constants (see there).
  const __m512d l1 = signs(1, 1, -1, -1), lre = signs(1, -1, 1, 1), lim = signs(1, -1, 1, -1);
  const __m512d lneg = neg_lanes(false, false, true, false);
  const __mmask8 lane3 = 0x88;
  for (size_t b = lo; b < hi; b += 16) {
    // Quarters r0 r1 | r2 r3 of the block.
    const __m512d xr = _mm512_loadu_pd(re + b), yr = _mm512_loadu_pd(re + b + 8);
    const __m512d xi = _mm512_loadu_pd(im + b), yi = _mm512_loadu_pd(im + b + 8);
    const __m512d sr = _mm512_add_pd(xr, yr), si = _mm512_add_pd(xi, yi);  // (y0 | y1)
    const __m512d dr = _mm512_sub_pd(xr, yr), di = _mm512_sub_pd(xi, yi);  // (d02 | r1 - r3)
    // (y0 + y1 | y0 - y1), then (. | * w2).
    __m512d pr = _mm512_fmadd_pd(sr, plus_minus, swap_halves(sr));
    __m512d pi = _mm512_fmadd_pd(si, plus_minus, swap_halves(si));
    cmul(pr, pi, ar, ai);
    // d13 = (i3 - i1, r1 - r3) = (-di_hi, dr_hi): (d02 + d13 | d02 - d13), then (* w1 | * w3).
    __m512d qr = _mm512_fmadd_pd(high_twice(di), minus_plus, low_twice(dr));
    __m512d qi = _mm512_fmadd_pd(high_twice(dr), plus_minus, low_twice(di));
    cmul(qr, qi, br, bi);
    // The length-4 pair on both halves of both registers (dif_last4).
    __m512d* outs_r[2] = {&pr, &qr};
    __m512d* outs_i[2] = {&pi, &qi};
    for (int h = 0; h < 2; ++h) {
      const __m512d tr = _mm512_fmadd_pd(*outs_r[h], l1, swap_pairs(*outs_r[h]));
      const __m512d ti = _mm512_fmadd_pd(*outs_i[h], l1, swap_pairs(*outs_i[h]));
      const __m512d vr = _mm512_mask_blend_pd(lane3, tr, ti);
      const __m512d vi = _mm512_mask_blend_pd(lane3, ti, tr);
      *outs_r[h] = _mm512_fmadd_pd(vr, lre, flip(swap_adjacent(vr), lneg));
      *outs_i[h] = _mm512_fmadd_pd(vi, lim, swap_adjacent(vi));
    }
    _mm512_storeu_pd(re + b, pr);
    _mm512_storeu_pd(re + b + 8, qr);
    _mm512_storeu_pd(im + b, pi);
    _mm512_storeu_pd(im + b + 8, qi);
  }
}

// The first four DIT stages of 16-point blocks in registers: dit_first4, then the radix-4 pass of
// length 16 (dit_radix4 with q = 4). Same operations as those two passes (see dif_tail16).
static KERNEL_ATTR inline void dit_head16(double* __restrict re, double* __restrict im, size_t lo, size_t hi,
                                          const double* __restrict w1r, const double* __restrict w1i,
                                          const double* __restrict w2r, const double* __restrict w2i) {
  // (1 | w2^j) for the quarters r1 and r3, (w1^j | w1^j) for (b2 | b3).
  const __m512d br = twice(w1r), bi = twice(w1i);
  const __m512d ar = _mm512_mask_blend_pd(0xF0, _mm512_set1_pd(1.0), twice(w2r));
  const __m512d ai = _mm512_mask_blend_pd(0xF0, _mm512_setzero_pd(), twice(w2i));
  const __m512d plus_minus = halves(1, -1), minus_plus = halves(-1, 1);
  // dit_first4 constants (see there).
  const __m512d f1 = signs(1, -1, 1, -1), fre = signs(1, 1, -1, -1), fim = signs(1, 1, -1, 1);
  const __m512d fneg = neg_lanes(false, true, false, false);
  const __mmask8 lane3 = 0x88, high = 0xF0;
  for (size_t b = lo; b < hi; b += 16) {
    __m512d xr = _mm512_loadu_pd(re + b), yr = _mm512_loadu_pd(re + b + 8);
    __m512d xi = _mm512_loadu_pd(im + b), yi = _mm512_loadu_pd(im + b + 8);
    __m512d* ins_r[2] = {&xr, &yr};
    __m512d* ins_i[2] = {&xi, &yi};
    for (int h = 0; h < 2; ++h) {
      const __m512d tr = _mm512_fmadd_pd(*ins_r[h], f1, swap_adjacent(*ins_r[h]));
      const __m512d ti = _mm512_fmadd_pd(*ins_i[h], f1, swap_adjacent(*ins_i[h]));
      const __m512d vr = _mm512_mask_blend_pd(lane3, tr, ti);
      const __m512d vi = _mm512_mask_blend_pd(lane3, ti, tr);
      *ins_r[h] = _mm512_fmadd_pd(vr, fre, swap_pairs(vr));
      *ins_i[h] = _mm512_fmadd_pd(vi, fim, flip(swap_pairs(vi), fneg));
    }
    // (r0 | r1 * conj(w2)) and (r2 | r3 * conj(w2)), then (b0 | b1) and (b2 | b3).
    cmul_conj(xr, xi, ar, ai);
    cmul_conj(yr, yi, ar, ai);
    const __m512d er = _mm512_fmadd_pd(xr, plus_minus, swap_halves(xr));
    const __m512d ei = _mm512_fmadd_pd(xi, plus_minus, swap_halves(xi));
    __m512d gr = _mm512_fmadd_pd(yr, plus_minus, swap_halves(yr));
    __m512d gi = _mm512_fmadd_pd(yi, plus_minus, swap_halves(yi));
    // (u2 | v3) = (b2 | b3) * conj(w1); r1 = b1 + (v3i, -v3r), r3 = b1 - (v3i, -v3r).
    cmul_conj(gr, gi, br, bi);
    const __m512d hr = _mm512_mask_blend_pd(high, gr, gi);  // (u2r | v3i)
    const __m512d hi_ = _mm512_mask_blend_pd(high, gi, gr);  // (u2i | v3r)
    _mm512_storeu_pd(re + b, _mm512_add_pd(er, hr));
    _mm512_storeu_pd(re + b + 8, _mm512_sub_pd(er, hr));
    _mm512_storeu_pd(im + b, _mm512_fmadd_pd(hi_, plus_minus, ei));
    _mm512_storeu_pd(im + b + 8, _mm512_fmadd_pd(hi_, minus_plus, ei));
  }
}
#else
static KERNEL_ATTR inline void dif_last4(double* __restrict re, double* __restrict im, size_t lo, size_t hi) {
  dif_last4_loop(re, im, lo, hi);
}
static KERNEL_ATTR inline void dit_first4(double* __restrict re, double* __restrict im, size_t lo, size_t hi) {
  dit_first4_loop(re, im, lo, hi);
}
#endif

// Blocks of this many complex points (16 KiB split layout) finish all their remaining stages
// while they sit in L1, instead of streaming the whole array once per stage.
static constexpr size_t kFftBlock = FftPlan::kBlock;

static KERNEL_ATTR inline void prefetch_step(PrefetchStream* pf) {
  if (pf) pf->step();
}

// One prefetch_step per pass (FftPlan::prefetch_steps counts them: keep both in step).
static KERNEL_ATTR inline void fft_dif(const FftPlan& p, double* __restrict re, double* __restrict im,
                                       PrefetchStream* pf) {
  const size_t m = p.m;
  const double* TR = p.tw_re.data();
  const double* TI = p.tw_im.data();
  size_t s = 0, len = m;
  const size_t stages = p.stage_offset.size();
  if (stages % 2 == 1) {  // odd count: one radix-2 stage first
    prefetch_step(pf);
    dif_radix2(re, im, m, len, TR + p.stage_offset[0], TI + p.stage_offset[0]);
    s = 1;
    len >>= 1;
  }
  // Breadth-first radix-4 passes while blocks are larger than the cache block...
  for (; s < stages && len > kFftBlock; s += 2, len >>= 2) {
    prefetch_step(pf);
    dif_radix4(re, im, 0, m, len, TR + p.stage_offset[s], TI + p.stage_offset[s], TR + p.stage_offset[s + 1],
               TI + p.stage_offset[s + 1]);
  }
  // ...then depth-first: each block runs all its remaining stages in cache.
  const size_t block = std::min(len, m);
  for (size_t b0 = 0; b0 < m; b0 += block) {
    size_t l = len;
    for (size_t t = s; t < stages; t += 2, l >>= 2) {
      prefetch_step(pf);
      if (l == 4) { dif_last4(re, im, b0, b0 + block); break; }
#ifdef FHE_KERNEL_AVX512
      if (l == 16) {
        prefetch_step(pf);  // two passes in one
        dif_tail16(re, im, b0, b0 + block, TR + p.stage_offset[t], TI + p.stage_offset[t], TR + p.stage_offset[t + 1],
                   TI + p.stage_offset[t + 1]);
        break;
      }
#endif
      dif_radix4(re, im, b0, b0 + block, l, TR + p.stage_offset[t], TI + p.stage_offset[t], TR + p.stage_offset[t + 1],
                 TI + p.stage_offset[t + 1]);
    }
  }
}

static KERNEL_ATTR inline void fft_dit_inverse(const FftPlan& p, double* __restrict re, double* __restrict im,
                                               PrefetchStream* pf) {
  const size_t m = p.m;
  const double* TR = p.tw_re.data();
  const double* TI = p.tw_im.data();
  const size_t stages = p.stage_offset.size();
  const size_t first4 = stages % 2;  // stages [first4, stages) are paired as radix-4 (s, s+1)
  // Depth-first part: pairs whose length is <= the cache block, smallest first.
  size_t len_top = m >> first4;  // length of the first paired stage
  size_t s_top = first4;
  while (len_top > kFftBlock && s_top < stages) { len_top >>= 2; s_top += 2; }
  const size_t block = std::min(len_top, m);
  for (size_t b0 = 0; b0 < m; b0 += block) {
    for (size_t t = stages; t > s_top;) {
      t -= 2;
      const size_t l = m >> t;
      prefetch_step(pf);
#ifdef FHE_KERNEL_AVX512
      if (l == 4 && t >= s_top + 2) {  // with the length-16 pair after it
        t -= 2;
        prefetch_step(pf);
        dit_head16(re, im, b0, b0 + block, TR + p.stage_offset[t], TI + p.stage_offset[t], TR + p.stage_offset[t + 1],
                   TI + p.stage_offset[t + 1]);
        continue;
      }
#endif
      if (l == 4) { dit_first4(re, im, b0, b0 + block); continue; }
      dit_radix4(re, im, b0, b0 + block, l, TR + p.stage_offset[t], TI + p.stage_offset[t], TR + p.stage_offset[t + 1],
                 TI + p.stage_offset[t + 1]);
    }
  }
  for (size_t t = s_top; t > first4;) {
    t -= 2;
    prefetch_step(pf);
    dit_radix4(re, im, 0, m, m >> t, TR + p.stage_offset[t], TI + p.stage_offset[t], TR + p.stage_offset[t + 1],
               TI + p.stage_offset[t + 1]);
  }
  if (first4) prefetch_step(pf);
  if (first4) dit_radix2(re, im, m, m, TR + p.stage_offset[0], TI + p.stage_offset[0]);
}

static KERNEL_ATTR void forward_i64(const FftPlan& p, const i64* __restrict c, double* __restrict re,
                                    double* __restrict im, PrefetchStream* pf) {
  const size_t m = p.m;
  const double* __restrict tr = p.twist_re.data();
  const double* __restrict ti = p.twist_im.data();
  for (size_t j = 0; j < m; ++j) {
    const double a = double(c[j]), b = double(c[j + m]);
    re[j] = a * tr[j] - b * ti[j];
    im[j] = a * ti[j] + b * tr[j];
  }
  fft_dif(p, re, im, pf);
}

static KERNEL_ATTR void forward_torus(const FftPlan& p, const Torus* __restrict c, double* __restrict re,
                                      double* __restrict im) {
  forward_i64(p, reinterpret_cast<const i64*>(c), re, im, nullptr);
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
                                           Torus* __restrict acc, PrefetchStream* pf) {
  fft_dit_inverse(p, re, im, pf);
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
  fft_dit_inverse(p, re, im, nullptr);
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

// The external product's multiply-accumulate, all decomposition rows at once: out_c = sum_row
// f_row * g_(row, c) for the kp1 output polynomials c. f and out are split polynomials `stride`
// doubles apart (re: m values, then im); g is one Fourier GGSW (entities/fourier_ggsw_layout.h: polynomial
// p = row * kp1 + c, frequency blocks of min(8, m) points), so a block of every output is
// finished while the GGSW is read once, front to back. Per point the operations and their order
// are those of `mac` applied row after row to a zeroed output (same bits).
static KERNEL_ATTR void ext_mac_loop(size_t m, size_t stride, size_t rows, size_t kp1, const double* __restrict f,
                                     const double* __restrict g, double* __restrict out) {
  const size_t B = m < kGgswFrequencyBlock ? m : kGgswFrequencyBlock;
  for (size_t j0 = 0; j0 < m; j0 += B) {
    for (size_t c = 0; c < kp1; ++c)
      for (size_t t = 0; t < B; ++t) out[c * stride + j0 + t] = out[c * stride + m + j0 + t] = 0;
    const double* gb = g + (j0 / B) * rows * kp1 * 2 * B;
    for (size_t row = 0; row < rows; ++row) {
      const double* a = f + row * stride;
      for (size_t c = 0; c < kp1; ++c, gb += 2 * B)
        mac(B, out + c * stride + j0, out + c * stride + m + j0, a + j0, a + m + j0, gb, gb + B);
    }
  }
}

#ifdef FHE_KERNEL_AVX512
// AVX-512: the 8 points of a block of every output stay in registers while every row is added.
// Per point the same operations in the same order as the loop (zero, then row after row; the
// first product of each complex multiply fused, the second rounded: mac's contraction), so the
// same bits.
template <size_t KP1>
static KERNEL_ATTR inline void ext_mac_registers(size_t m, size_t stride, size_t rows, const double* __restrict f,
                                                 const double* __restrict g, double* __restrict out) {
  static_assert(kGgswFrequencyBlock == 8, "one register of doubles per block");
  const double* gb = g;
  for (size_t j = 0; j < m; j += 8) {
    __m512d accr[KP1], acci[KP1];
    for (size_t c = 0; c < KP1; ++c) accr[c] = acci[c] = _mm512_setzero_pd();
    for (size_t row = 0; row < rows; ++row) {
      const double* a = f + row * stride + j;
      const __m512d ar = _mm512_loadu_pd(a), ai = _mm512_loadu_pd(a + m);
      for (size_t c = 0; c < KP1; ++c, gb += 16) {
        const __m512d br = _mm512_loadu_pd(gb), bi = _mm512_loadu_pd(gb + 8);
        accr[c] = _mm512_add_pd(accr[c], _mm512_fmsub_pd(ar, br, _mm512_mul_pd(ai, bi)));
        acci[c] = _mm512_add_pd(acci[c], _mm512_fmadd_pd(ar, bi, _mm512_mul_pd(ai, br)));
      }
    }
    for (size_t c = 0; c < KP1; ++c) {
      _mm512_storeu_pd(out + c * stride + j, accr[c]);
      _mm512_storeu_pd(out + c * stride + m + j, acci[c]);
    }
  }
}

static KERNEL_ATTR void ext_mac(size_t m, size_t stride, size_t rows, size_t kp1, const double* __restrict f,
                                const double* __restrict g, double* __restrict out) {
  if (m % 8 == 0) {
    switch (kp1) {
      case 2: return ext_mac_registers<2>(m, stride, rows, f, g, out);
      case 3: return ext_mac_registers<3>(m, stride, rows, f, g, out);
      case 4: return ext_mac_registers<4>(m, stride, rows, f, g, out);
      case 5: return ext_mac_registers<5>(m, stride, rows, f, g, out);
      case 6: return ext_mac_registers<6>(m, stride, rows, f, g, out);
      case 7: return ext_mac_registers<7>(m, stride, rows, f, g, out);
      default: break;
    }
  }
  ext_mac_loop(m, stride, rows, kp1, f, g, out);
}
#else
static KERNEL_ATTR void ext_mac(size_t m, size_t stride, size_t rows, size_t kp1, const double* __restrict f,
                                const double* __restrict g, double* __restrict out) {
  ext_mac_loop(m, stride, rows, kp1, f, g, out);
}
#endif

static KERNEL_ATTR void axpy(size_t len, Torus* __restrict out, const Torus* __restrict in, u64 w) {
  for (size_t i = 0; i < len; ++i) out[i] += w * in[i];
}

static KERNEL_ATTR void axpy32(size_t len, u32* __restrict out, const u32* __restrict in, u32 w) {
  for (size_t i = 0; i < len; ++i) out[i] += w * in[i];
}

// Rounded states (in >> shift, rounded) of coefficients [c0, c0 + cn) of X^a * in - in mod X^N + 1
// (a in [0, 2N)), without materializing the rotated polynomial.
static KERNEL_ATTR inline void rotated_states(size_t n, const Torus* __restrict in, size_t a, unsigned shift, size_t c0,
                                              size_t cn, u64* __restrict state) {
  const bool neg = a >= n;
  const size_t s = neg ? a - n : a;
  const u64 sign = neg ? ~u64(0) : 0;  // v -> (v ^ sign) - sign negates when neg
  // Coefficient t of X^s * in is -in[t + n - s] for t < s (wrapped), in[t - s] otherwise.
  const size_t split = s <= c0 ? 0 : (s - c0 < cn ? s - c0 : cn);
  for (size_t i = 0; i < split; ++i) {
    const u64 v = ((u64(0) - in[c0 + i + n - s]) ^ sign) - sign;
    const u64 x = v - in[c0 + i];
    state[i] = (x >> shift) + ((x >> (shift - 1)) & 1);
  }
  for (size_t i = split; i < cn; ++i) {
    const u64 v = (in[c0 + i - s] ^ sign) - sign;
    const u64 x = v - in[c0 + i];
    state[i] = (x >> shift) + ((x >> (shift - 1)) & 1);
  }
}

// Digits of (X^a * in - in) mod X^N + 1 (a in [0, 2N)), computed chunk by chunk without
// materializing the rotated polynomial; same digits as monomial-multiply-then-decompose.
static KERNEL_ATTR void decompose_rotated(size_t n, const Torus* __restrict in, size_t a, unsigned base_log,
                                          unsigned levels, i64* __restrict out) {
  const unsigned shift = 64 - base_log * levels;  // >= 1 (validated)
  const u64 mask = (u64(1) << base_log) - 1;
  const u64 half = u64(1) << (base_log - 1);
  constexpr size_t C = 512;
  alignas(64) u64 state[C];
  for (size_t c0 = 0; c0 < n; c0 += C) {
    const size_t cn = n - c0 < C ? n - c0 : C;
    rotated_states(n, in, a, shift, c0, cn, state);
    for (unsigned l = levels; l-- > 0;) {
      i64* __restrict o = out + size_t(l) * n + c0;
      for (size_t i = 0; i < cn; ++i) {
        const u64 d = state[i] & mask;
        const u64 carry = d >= half ? 1 : 0;
        state[i] = (state[i] >> base_log) + carry;
        o[i] = i64(d) - i64(carry << base_log);
      }
    }
  }
}

// decompose_rotated, then forward_i64 of every level, fused: coefficients j and j + N/2 are
// decomposed together and each level's pair is folded and twisted straight into its Fourier row
// (out: levels rows of N doubles, re then im), so the digits never go through memory and the
// twist factors are read once for all levels. Same bits as the two kernels in sequence (same
// digits, same twist expression).
static KERNEL_ATTR void decompose_rotated_forward(const FftPlan& p, const Torus* __restrict in, size_t a,
                                                  unsigned base_log, unsigned levels, double* __restrict out,
                                                  PrefetchStream* pf) {
  const size_t n = p.n, m = p.m;
  const unsigned shift = 64 - base_log * levels;  // >= 1 (validated)
  const u64 mask = (u64(1) << base_log) - 1;
  const u64 half = u64(1) << (base_log - 1);
  const double* __restrict tr = p.twist_re.data();
  const double* __restrict ti = p.twist_im.data();
  constexpr size_t C = 256;
  alignas(64) u64 lo[C], hi[C];
  alignas(64) i64 dlo[C], dhi[C];
  for (size_t c0 = 0; c0 < m; c0 += C) {
    const size_t cn = m - c0 < C ? m - c0 : C;
    rotated_states(n, in, a, shift, c0, cn, lo);
    rotated_states(n, in, a, shift, c0 + m, cn, hi);
    for (unsigned l = levels; l-- > 0;) {
      for (size_t i = 0; i < cn; ++i) {
        const u64 d = lo[i] & mask;
        const u64 carry = d >= half ? 1 : 0;
        lo[i] = (lo[i] >> base_log) + carry;
        dlo[i] = i64(d) - i64(carry << base_log);
      }
      for (size_t i = 0; i < cn; ++i) {
        const u64 d = hi[i] & mask;
        const u64 carry = d >= half ? 1 : 0;
        hi[i] = (hi[i] >> base_log) + carry;
        dhi[i] = i64(d) - i64(carry << base_log);
      }
      double* __restrict re = out + size_t(l) * n + c0;
      double* __restrict im = re + m;
      for (size_t i = 0; i < cn; ++i) {
        const double x = double(dlo[i]), y = double(dhi[i]);
        re[i] = x * tr[c0 + i] - y * ti[c0 + i];
        im[i] = x * ti[c0 + i] + y * tr[c0 + i];
      }
    }
  }
  for (unsigned l = 0; l < levels; ++l) fft_dif(p, out + size_t(l) * n, out + size_t(l) * n + m, pf);
}

static KERNEL_ATTR void decompose(size_t len, const Torus* __restrict in, unsigned base_log, unsigned levels,
                                  i64* __restrict out) {
  const unsigned shift = 64 - base_log * levels;  // >= 1 (validated)
  const u64 mask = (u64(1) << base_log) - 1;
  const u64 half = u64(1) << (base_log - 1);
  // Chunks keep the running states in L1 while each level is peeled in one vectorized sweep.
  constexpr size_t C = 512;
  alignas(64) u64 state[C];
  for (size_t c0 = 0; c0 < len; c0 += C) {
    const size_t cn = len - c0 < C ? len - c0 : C;
    // Round to the closest multiple of 2^shift...
    for (size_t i = 0; i < cn; ++i) state[i] = (in[c0 + i] >> shift) + ((in[c0 + i] >> (shift - 1)) & 1);
    // ...then peel digits from the least significant level, moving a carry up whenever a digit
    // would be >= B/2 (digits end in [-B/2, B/2)).
    for (unsigned l = levels; l-- > 0;) {
      i64* __restrict o = out + size_t(l) * len + c0;
      for (size_t i = 0; i < cn; ++i) {
        const u64 d = state[i] & mask;
        const u64 carry = d >= half ? 1 : 0;
        state[i] = (state[i] >> base_log) + carry;
        o[i] = i64(d) - i64(carry << base_log);
      }
    }
  }
}
