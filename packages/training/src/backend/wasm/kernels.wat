;; fhenet training kernels: fused SIMD loops over tensors that live in the tfjs wasm backend's heap.
;; The module imports that heap's memory (see fused.ts), so its loops read and write tfjs tensors
;; in place: one pass per kernel instead of the 5-15 separate tfjs kernels (each a full pass, some
;; of them slow scalar loops) that the same math costs when written with tf ops.
;;
;; Conventions. Pointers are byte offsets into the heap; counts are in f32 elements. Per-channel
;; parameters are given "periodic": an array of L f32 values where L = lcm(channels, 4), so that
;; element i of a tensor whose last axis is the channel uses parameter i mod L and a block of L
;; elements is a whole number of 4-lane vectors. Per-tensor parameters are L = 4 copies. Elements
;; after the last whole block (n mod L of them) go through a scalar tail with the same math.
;; Any multiple of the period works too; the caller picks L >= 64 so the per-block loop overhead
;; is amortised. Reductions add each lane into an f32 partial sum (caller-zeroed array of L f32)
;; that is flushed every 64 blocks into an f64 total (caller-zeroed array of L f64), so rounding
;; error grows with 64 elements, not with the batch; the caller folds lanes into channels. Every f32 operation matches the tf op it replaces (IEEE f32 add,
;; sub, mul, div, sqrt; nearest = round half to even), in the same order. The quantizers take a
;; rounding mode $rtz: 0 rounds half to even (tf.round), 1 rounds toward zero (trunc: what
;; accumulator-aware weights use, so that |q| <= |v| and the L1 bound on v holds for q), picked
;; per lane by a bitselect with $tz (all ones for trunc) in the vector loops, a select in the tails.
;;
;; Build: `pnpm --filter @fhenet/training build:kernels` (scripts/build-kernels.ts) writes
;; kernels-binary.ts; a test checks that file matches this source.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Fake quantizer forward: out = (clamp(R(v / s) + zp, qmin, qmax) - zp) * s, with
  ;; v = x * mask * gain (mask = 0: no mask; gain = 0: none; gain periodic like s), R = nearest or
  ;; trunc ($rtz). zp = 0 gives the LSQ quantizer clamp(R(v/s))*s; the gain is A2Q's normalisation.
  (func (export "fq_fwd") (param $x i32) (param $mask i32) (param $gain i32) (param $out i32) (param $n i32) (param $L i32)
        (param $s i32) (param $zp i32) (param $qmin f32) (param $qmax f32) (param $rtz i32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32)
    (local $lo v128) (local $hi v128) (local $v v128) (local $vs v128) (local $vz v128) (local $tz v128)
    (local $f f32) (local $fs f32) (local $fz f32)
    (local.set $tz (i32x4.splat (i32.sub (i32.const 0) (local.get $rtz))))
    (local.set $lo (f32x4.splat (local.get $qmin)))
    (local.set $hi (f32x4.splat (local.get $qmax)))
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
        (if (local.get $mask) (then
          (local.set $v (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $mask) (local.get $o)))))))
        (if (local.get $gain) (then
          (local.set $v (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $gain) (local.get $j)))))))
        (local.set $vs (v128.load (i32.add (local.get $s) (local.get $j))))
        (local.set $vz (v128.load (i32.add (local.get $zp) (local.get $j))))
        (local.set $v (f32x4.div (local.get $v) (local.get $vs)))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (f32x4.mul
            (f32x4.sub
              (f32x4.min (f32x4.max (f32x4.add (v128.bitselect (f32x4.trunc (local.get $v)) (f32x4.nearest (local.get $v)) (local.get $tz)) (local.get $vz))
                                    (local.get $lo))
                         (local.get $hi))
              (local.get $vz))
            (local.get $vs)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (br $blocks)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $f (f32.load (i32.add (local.get $x) (local.get $i))))
      (if (local.get $mask) (then
        (local.set $f (f32.mul (local.get $f) (f32.load (i32.add (local.get $mask) (local.get $i)))))))
      (if (local.get $gain) (then
        (local.set $f (f32.mul (local.get $f) (f32.load (i32.add (local.get $gain) (local.get $j)))))))
      (local.set $fs (f32.load (i32.add (local.get $s) (local.get $j))))
      (local.set $fz (f32.load (i32.add (local.get $zp) (local.get $j))))
      (local.set $f (f32.div (local.get $f) (local.get $fs)))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32.mul
          (f32.sub
            (f32.min (f32.max (f32.add (select (f32.trunc (local.get $f)) (f32.nearest (local.get $f)) (local.get $rtz)) (local.get $fz)) (local.get $qmin))
                     (local.get $qmax))
            (local.get $fz))
          (local.get $fs)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; LSQ backward (zero point 0), v = x * mask / s, R = nearest or trunc ($rtz):
  ;;   dx = dy * mask where qmin <= v <= qmax, else 0 (straight-through);
  ;;   acc[lane] += dy * (inside ? R(v) - v : clamp(v, qmin, qmax))   (d out / d s, unscaled;
  ;;   part: the f32 partial sums).
  (func (export "fq_lsq_bwd") (param $x i32) (param $mask i32) (param $dy i32) (param $dx i32) (param $n i32) (param $L i32)
        (param $s i32) (param $qmin f32) (param $qmax f32) (param $acc i32) (param $part i32) (param $rtz i32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32) (local $a i32) (local $cnt i32)
    (local $lo v128) (local $hi v128) (local $v v128) (local $d v128) (local $in v128) (local $e v128) (local $m v128) (local $tz v128)
    (local $f f32) (local $fd f32) (local $fe f32) (local $fm f32)
    (local.set $tz (i32x4.splat (i32.sub (i32.const 0) (local.get $rtz))))
    (local.set $lo (f32x4.splat (local.get $qmin)))
    (local.set $hi (f32x4.splat (local.get $qmax)))
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $o))))
        (if (local.get $mask) (then
          (local.set $m (v128.load (i32.add (local.get $mask) (local.get $o))))
          (local.set $v (f32x4.mul (local.get $v) (local.get $m)))))
        (local.set $v (f32x4.div (local.get $v) (v128.load (i32.add (local.get $s) (local.get $j)))))
        (local.set $in (v128.and (f32x4.ge (local.get $v) (local.get $lo)) (f32x4.le (local.get $v) (local.get $hi))))
        (local.set $e (v128.bitselect (f32x4.sub (v128.bitselect (f32x4.trunc (local.get $v)) (f32x4.nearest (local.get $v)) (local.get $tz)) (local.get $v))
                                      (f32x4.min (f32x4.max (local.get $v) (local.get $lo)) (local.get $hi))
                                      (local.get $in)))
        (local.set $e (f32x4.mul (local.get $d) (local.get $e)))
        (local.set $d (v128.and (local.get $d) (local.get $in)))
        (if (local.get $mask) (then (local.set $d (f32x4.mul (local.get $d) (local.get $m)))))
        (v128.store (i32.add (local.get $dx) (local.get $o)) (local.get $d))
        (local.set $a (i32.add (local.get $part) (local.get $j)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (local.get $e)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))
      (if (i32.eq (local.get $cnt) (i32.const 64)) (then
        (call $flush (local.get $part) (local.get $acc) (local.get $L))
        (local.set $cnt (i32.const 0))))
      (br $blocks)))
    (call $flush (local.get $part) (local.get $acc) (local.get $L))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $f (f32.load (i32.add (local.get $x) (local.get $i))))
      (local.set $fd (f32.load (i32.add (local.get $dy) (local.get $i))))
      (local.set $fm (f32.const 1))
      (if (local.get $mask) (then
        (local.set $fm (f32.load (i32.add (local.get $mask) (local.get $i))))
        (local.set $f (f32.mul (local.get $f) (local.get $fm)))))
      (local.set $f (f32.div (local.get $f) (f32.load (i32.add (local.get $s) (local.get $j)))))
      (if (i32.and (f32.ge (local.get $f) (local.get $qmin)) (f32.le (local.get $f) (local.get $qmax)))
        (then
          (local.set $fe (f32.sub (select (f32.trunc (local.get $f)) (f32.nearest (local.get $f)) (local.get $rtz)) (local.get $f)))
          (f32.store (i32.add (local.get $dx) (local.get $i)) (f32.mul (local.get $fd) (local.get $fm))))
        (else
          (local.set $fe (f32.min (f32.max (local.get $f) (local.get $qmin)) (local.get $qmax)))
          (f32.store (i32.add (local.get $dx) (local.get $i)) (f32.const 0))))
      (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.mul (local.get $fd) (local.get $fe)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; Fixed-scale quantizer backward: dx = dy * mask where qmin <= R(v / s) + zp <= qmax, else 0.
  (func (export "fq_fixed_bwd") (param $x i32) (param $mask i32) (param $dy i32) (param $dx i32) (param $n i32) (param $L i32)
        (param $s i32) (param $zp i32) (param $qmin f32) (param $qmax f32) (param $rtz i32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32)
    (local $lo v128) (local $hi v128) (local $v v128) (local $d v128) (local $m v128) (local $tz v128)
    (local $f f32) (local $fd f32)
    (local.set $tz (i32x4.splat (i32.sub (i32.const 0) (local.get $rtz))))
    (local.set $lo (f32x4.splat (local.get $qmin)))
    (local.set $hi (f32x4.splat (local.get $qmax)))
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $o))))
        (if (local.get $mask) (then
          (local.set $m (v128.load (i32.add (local.get $mask) (local.get $o))))
          (local.set $v (f32x4.mul (local.get $v) (local.get $m)))
          (local.set $d (f32x4.mul (local.get $d) (local.get $m)))))
        (local.set $v (f32x4.div (local.get $v) (v128.load (i32.add (local.get $s) (local.get $j)))))
        (local.set $v (f32x4.add (v128.bitselect (f32x4.trunc (local.get $v)) (f32x4.nearest (local.get $v)) (local.get $tz))
                                 (v128.load (i32.add (local.get $zp) (local.get $j)))))
        (v128.store (i32.add (local.get $dx) (local.get $o))
          (v128.and (local.get $d) (v128.and (f32x4.ge (local.get $v) (local.get $lo)) (f32x4.le (local.get $v) (local.get $hi)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (br $blocks)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $f (f32.load (i32.add (local.get $x) (local.get $i))))
      (local.set $fd (f32.load (i32.add (local.get $dy) (local.get $i))))
      (if (local.get $mask) (then
        (local.set $f (f32.mul (local.get $f) (f32.load (i32.add (local.get $mask) (local.get $i)))))
        (local.set $fd (f32.mul (local.get $fd) (f32.load (i32.add (local.get $mask) (local.get $i)))))))
      (local.set $f (f32.div (local.get $f) (f32.load (i32.add (local.get $s) (local.get $j)))))
      (local.set $f (f32.add (select (f32.trunc (local.get $f)) (f32.nearest (local.get $f)) (local.get $rtz))
                             (f32.load (i32.add (local.get $zp) (local.get $j)))))
      (f32.store (i32.add (local.get $dx) (local.get $i))
        (select (local.get $fd) (f32.const 0)
          (i32.and (f32.ge (local.get $f) (local.get $qmin)) (f32.le (local.get $f) (local.get $qmax)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; A2Q norms: acc[lane] += |x * mask| (mask = 0: no mask; part: the f32 partial sums).
  (func (export "abs_sums") (param $x i32) (param $mask i32) (param $n i32) (param $L i32) (param $acc i32) (param $part i32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32) (local $cnt i32) (local $a i32)
    (local $v v128) (local $f f32)
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
        (if (local.get $mask) (then
          (local.set $v (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $mask) (local.get $o)))))))
        (local.set $a (i32.add (local.get $part) (local.get $j)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (f32x4.abs (local.get $v))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))
      (if (i32.eq (local.get $cnt) (i32.const 64)) (then
        (call $flush (local.get $part) (local.get $acc) (local.get $L))
        (local.set $cnt (i32.const 0))))
      (br $blocks)))
    (call $flush (local.get $part) (local.get $acc) (local.get $L))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $f (f32.load (i32.add (local.get $x) (local.get $i))))
      (if (local.get $mask) (then
        (local.set $f (f32.mul (local.get $f) (f32.load (i32.add (local.get $mask) (local.get $i)))))))
      (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.abs (local.get $f)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; A2Q backward sums, u = x * mask, v = u * gain / s, inside = qmin <= v <= qmax:
  ;;   acc1[lane] += dy * (inside ? R(v) - v : clamp(v, qmin, qmax))   (LSQ's d out / d s, unscaled)
  ;;   acc2[lane] += (inside ? dy : 0) * u                            (d out / d gain)
  (func (export "a2q_bwd_sums") (param $x i32) (param $mask i32) (param $dy i32) (param $n i32) (param $L i32)
        (param $s i32) (param $gain i32) (param $qmin f32) (param $qmax f32) (param $rtz i32)
        (param $acc1 i32) (param $acc2 i32) (param $p1 i32) (param $p2 i32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32) (local $cnt i32) (local $a i32)
    (local $lo v128) (local $hi v128) (local $tz v128) (local $u v128) (local $v v128) (local $d v128) (local $in v128) (local $e v128)
    (local $fu f32) (local $f f32) (local $fd f32) (local $fe f32) (local $fin f32)
    (local.set $tz (i32x4.splat (i32.sub (i32.const 0) (local.get $rtz))))
    (local.set $lo (f32x4.splat (local.get $qmin)))
    (local.set $hi (f32x4.splat (local.get $qmax)))
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $u (v128.load (i32.add (local.get $x) (local.get $o))))
        (if (local.get $mask) (then
          (local.set $u (f32x4.mul (local.get $u) (v128.load (i32.add (local.get $mask) (local.get $o)))))))
        (local.set $v (f32x4.div (f32x4.mul (local.get $u) (v128.load (i32.add (local.get $gain) (local.get $j))))
                                 (v128.load (i32.add (local.get $s) (local.get $j)))))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $in (v128.and (f32x4.ge (local.get $v) (local.get $lo)) (f32x4.le (local.get $v) (local.get $hi))))
        (local.set $e (v128.bitselect
                        (f32x4.sub (v128.bitselect (f32x4.trunc (local.get $v)) (f32x4.nearest (local.get $v)) (local.get $tz)) (local.get $v))
                        (f32x4.min (f32x4.max (local.get $v) (local.get $lo)) (local.get $hi))
                        (local.get $in)))
        (local.set $a (i32.add (local.get $p1) (local.get $j)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (f32x4.mul (local.get $d) (local.get $e))))
        (local.set $a (i32.add (local.get $p2) (local.get $j)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (f32x4.mul (v128.and (local.get $d) (local.get $in)) (local.get $u))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))
      (if (i32.eq (local.get $cnt) (i32.const 64)) (then
        (call $flush (local.get $p1) (local.get $acc1) (local.get $L))
        (call $flush (local.get $p2) (local.get $acc2) (local.get $L))
        (local.set $cnt (i32.const 0))))
      (br $blocks)))
    (call $flush (local.get $p1) (local.get $acc1) (local.get $L))
    (call $flush (local.get $p2) (local.get $acc2) (local.get $L))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $fu (f32.load (i32.add (local.get $x) (local.get $i))))
      (if (local.get $mask) (then
        (local.set $fu (f32.mul (local.get $fu) (f32.load (i32.add (local.get $mask) (local.get $i)))))))
      (local.set $f (f32.div (f32.mul (local.get $fu) (f32.load (i32.add (local.get $gain) (local.get $j))))
                             (f32.load (i32.add (local.get $s) (local.get $j)))))
      (local.set $fd (f32.load (i32.add (local.get $dy) (local.get $i))))
      (if (i32.and (f32.ge (local.get $f) (local.get $qmin)) (f32.le (local.get $f) (local.get $qmax)))
        (then
          (local.set $fe (f32.sub (select (f32.trunc (local.get $f)) (f32.nearest (local.get $f)) (local.get $rtz)) (local.get $f)))
          (local.set $fin (local.get $fd)))
        (else
          (local.set $fe (f32.min (f32.max (local.get $f) (local.get $qmin)) (local.get $qmax)))
          (local.set $fin (f32.const 0))))
      (local.set $a (i32.add (local.get $acc1) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.mul (local.get $fd) (local.get $fe)))))
      (local.set $a (i32.add (local.get $acc2) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.mul (local.get $fin) (local.get $fu)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; A2Q kernel gradient, u = x * mask, v = u * gain / s:
  ;;   dx = mask * ((qmin <= v <= qmax ? dy : 0) * gain + dn * sign(u))
  ;; (the straight-through part, and the part through each channel's norm ||u||_1; sign(0) = 0).
  (func (export "a2q_bwd_dx") (param $x i32) (param $mask i32) (param $dy i32) (param $dx i32) (param $n i32) (param $L i32)
        (param $s i32) (param $gain i32) (param $dn i32) (param $qmin f32) (param $qmax f32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32)
    (local $lo v128) (local $hi v128) (local $one v128) (local $sgn v128) (local $u v128) (local $v v128) (local $g v128) (local $r v128)
    (local $fu f32) (local $f f32) (local $fg f32) (local $fr f32)
    (local.set $lo (f32x4.splat (local.get $qmin)))
    (local.set $hi (f32x4.splat (local.get $qmax)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $sgn (i32x4.splat (i32.const 0x80000000)))
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $u (v128.load (i32.add (local.get $x) (local.get $o))))
        (if (local.get $mask) (then
          (local.set $u (f32x4.mul (local.get $u) (v128.load (i32.add (local.get $mask) (local.get $o)))))))
        (local.set $g (v128.load (i32.add (local.get $gain) (local.get $j))))
        (local.set $v (f32x4.div (f32x4.mul (local.get $u) (local.get $g)) (v128.load (i32.add (local.get $s) (local.get $j)))))
        ;; dy inside the range, times the gain; plus dn * sign(u) = dn * (copysign(1, u) where u != 0)
        (local.set $r (f32x4.add
          (f32x4.mul (v128.and (v128.load (i32.add (local.get $dy) (local.get $o)))
                               (v128.and (f32x4.ge (local.get $v) (local.get $lo)) (f32x4.le (local.get $v) (local.get $hi))))
                     (local.get $g))
          (f32x4.mul (v128.load (i32.add (local.get $dn) (local.get $j)))
                     (v128.and (v128.or (local.get $one) (v128.and (local.get $u) (local.get $sgn)))
                               (f32x4.ne (local.get $u) (f32x4.splat (f32.const 0)))))))
        (if (local.get $mask) (then
          (local.set $r (f32x4.mul (local.get $r) (v128.load (i32.add (local.get $mask) (local.get $o)))))))
        (v128.store (i32.add (local.get $dx) (local.get $o)) (local.get $r))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (br $blocks)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $fu (f32.load (i32.add (local.get $x) (local.get $i))))
      (if (local.get $mask) (then
        (local.set $fu (f32.mul (local.get $fu) (f32.load (i32.add (local.get $mask) (local.get $i)))))))
      (local.set $fg (f32.load (i32.add (local.get $gain) (local.get $j))))
      (local.set $f (f32.div (f32.mul (local.get $fu) (local.get $fg)) (f32.load (i32.add (local.get $s) (local.get $j)))))
      (local.set $fr (f32.mul (f32.load (i32.add (local.get $dn) (local.get $j)))
                              (select (f32.copysign (f32.const 1) (local.get $fu)) (f32.const 0) (f32.ne (local.get $fu) (f32.const 0)))))
      (if (i32.and (f32.ge (local.get $f) (local.get $qmin)) (f32.le (local.get $f) (local.get $qmax))) (then
        (local.set $fr (f32.add (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (local.get $fg)) (local.get $fr)))))
      (if (local.get $mask) (then
        (local.set $fr (f32.mul (local.get $fr) (f32.load (i32.add (local.get $mask) (local.get $i)))))))
      (f32.store (i32.add (local.get $dx) (local.get $i)) (local.get $fr))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; Adds the L f32 partial sums at $p into the f64 totals at $acc and zeroes the partials.
  (func $flush (param $p i32) (param $acc i32) (param $L i32)
    (local $j i32) (local $v v128) (local $a i32) (local $Lb i32)
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (block $done (loop $lanes
      (br_if $done (i32.ge_u (local.get $j) (local.get $Lb)))
      (local.set $v (v128.load (i32.add (local.get $p) (local.get $j))))
      (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
      (v128.store offset=16 (local.get $a)
        (f64x2.add (v128.load offset=16 (local.get $a))
                   (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
      (v128.store (i32.add (local.get $p) (local.get $j)) (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $lanes))))

  ;; Batch-norm statistics, shifted for stability: acc1 += x - shift, acc2 += (x - shift)^2 per lane
  ;; (p1, p2: the f32 partial sums).
  (func (export "bn_stats") (param $x i32) (param $n i32) (param $L i32) (param $shift i32)
        (param $acc1 i32) (param $acc2 i32) (param $p1 i32) (param $p2 i32)
    (local $i i32) (local $j i32) (local $end i32) (local $Lb i32) (local $cnt i32) (local $v v128) (local $f f32) (local $a i32)
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $v (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $i) (local.get $j))))
                                 (v128.load (i32.add (local.get $shift) (local.get $j)))))
        (local.set $a (i32.add (local.get $p1) (local.get $j)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (local.get $v)))
        (local.set $a (i32.add (local.get $p2) (local.get $j)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))
      (if (i32.eq (local.get $cnt) (i32.const 64)) (then
        (call $flush (local.get $p1) (local.get $acc1) (local.get $L))
        (call $flush (local.get $p2) (local.get $acc2) (local.get $L))
        (local.set $cnt (i32.const 0))))
      (br $blocks)))
    (call $flush (local.get $p1) (local.get $acc1) (local.get $L))
    (call $flush (local.get $p2) (local.get $acc2) (local.get $L))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $f (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (f32.load (i32.add (local.get $shift) (local.get $j)))))
      (local.set $a (i32.add (local.get $acc1) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (local.get $f))))
      (local.set $a (i32.add (local.get $acc2) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.mul (local.get $f) (local.get $f)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; Batch-norm gradient sums: acc1 += dy, acc2 += dy * (x - mean) per lane (p1, p2: partials).
  (func (export "bn_grad_sums") (param $x i32) (param $dy i32) (param $n i32) (param $L i32) (param $mean i32)
        (param $acc1 i32) (param $acc2 i32) (param $p1 i32) (param $p2 i32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32) (local $cnt i32) (local $d v128) (local $f f32) (local $fd f32) (local $a i32)
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $a (i32.add (local.get $p1) (local.get $j)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (local.get $d)))
        (local.set $a (i32.add (local.get $p2) (local.get $j)))
        (v128.store (local.get $a)
          (f32x4.add (v128.load (local.get $a))
            (f32x4.mul (local.get $d) (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o)))
                                                 (v128.load (i32.add (local.get $mean) (local.get $j)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))
      (if (i32.eq (local.get $cnt) (i32.const 64)) (then
        (call $flush (local.get $p1) (local.get $acc1) (local.get $L))
        (call $flush (local.get $p2) (local.get $acc2) (local.get $L))
        (local.set $cnt (i32.const 0))))
      (br $blocks)))
    (call $flush (local.get $p1) (local.get $acc1) (local.get $L))
    (call $flush (local.get $p2) (local.get $acc2) (local.get $L))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $fd (f32.load (i32.add (local.get $dy) (local.get $i))))
      (local.set $f (f32.mul (local.get $fd) (f32.sub (f32.load (i32.add (local.get $x) (local.get $i)))
                                                       (f32.load (i32.add (local.get $mean) (local.get $j))))))
      (local.set $a (i32.add (local.get $acc1) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (local.get $fd))))
      (local.set $a (i32.add (local.get $acc2) (i32.shl (local.get $j) (i32.const 1))))
      (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (local.get $f))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; out = a * p + b * q + r per lane (b = 0: out = a * p + r). Batch-norm forward (x, 0) and
  ;; its input gradient (dy, x).
  (func (export "affine2") (param $a i32) (param $b i32) (param $out i32) (param $n i32) (param $L i32)
        (param $p i32) (param $q i32) (param $r i32)
    (local $i i32) (local $j i32) (local $o i32) (local $end i32) (local $Lb i32) (local $v v128) (local $f f32)
    (local.set $Lb (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end (i32.shl (i32.sub (local.get $n) (i32.rem_u (local.get $n) (local.get $L))) (i32.const 2)))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $o (i32.add (local.get $i) (local.get $j)))
        (local.set $v (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $p) (local.get $j)))))
        (if (local.get $b) (then
          (local.set $v (f32x4.add (local.get $v)
            (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $o))) (v128.load (i32.add (local.get $q) (local.get $j))))))))
        (v128.store (i32.add (local.get $out) (local.get $o)) (f32x4.add (local.get $v) (v128.load (i32.add (local.get $r) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $lanes (i32.lt_u (local.get $j) (local.get $Lb))))
      (local.set $i (i32.add (local.get $i) (local.get $Lb)))
      (br $blocks)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $f (f32.mul (f32.load (i32.add (local.get $a) (local.get $i))) (f32.load (i32.add (local.get $p) (local.get $j)))))
      (if (local.get $b) (then
        (local.set $f (f32.add (local.get $f)
          (f32.mul (f32.load (i32.add (local.get $b) (local.get $i))) (f32.load (i32.add (local.get $q) (local.get $j))))))))
      (f32.store (i32.add (local.get $out) (local.get $i)) (f32.add (local.get $f) (f32.load (i32.add (local.get $r) (local.get $j)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tail))))

  ;; One Adam step, in tfjs AdamOptimizer's op order:
  ;;   m' = m*b1 + g*omb1;  v' = v*b2 + (g*g)*omb2;
  ;;   w' = ((m'/c1) / (sqrt(v'/c2) + eps)) * neglr + w    (c = 1 - beta^t, neglr = -lr).
  (func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $wo i32) (param $mo i32) (param $vo i32) (param $n i32)
        (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32) (param $c1 f32) (param $c2 f32) (param $eps f32) (param $neglr f32)
    (local $i i32) (local $end i32)
    (local $vb1 v128) (local $vomb1 v128) (local $vb2 v128) (local $vomb2 v128) (local $vc1 v128) (local $vc2 v128) (local $veps v128) (local $vlr v128)
    (local $G v128) (local $M v128) (local $V v128)
    (local $fg f32) (local $fm f32) (local $fv f32)
    (local.set $vb1 (f32x4.splat (local.get $b1))) (local.set $vomb1 (f32x4.splat (local.get $omb1)))
    (local.set $vb2 (f32x4.splat (local.get $b2))) (local.set $vomb2 (f32x4.splat (local.get $omb2)))
    (local.set $vc1 (f32x4.splat (local.get $c1))) (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $veps (f32x4.splat (local.get $eps))) (local.set $vlr (f32x4.splat (local.get $neglr)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $G (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $M (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $vb1))
                               (f32x4.mul (local.get $G) (local.get $vomb1))))
      (local.set $V (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $vb2))
                               (f32x4.mul (f32x4.mul (local.get $G) (local.get $G)) (local.get $vomb2))))
      (v128.store (i32.add (local.get $mo) (local.get $i)) (local.get $M))
      (v128.store (i32.add (local.get $vo) (local.get $i)) (local.get $V))
      (v128.store (i32.add (local.get $wo) (local.get $i))
        (f32x4.add
          (f32x4.mul (f32x4.div (f32x4.div (local.get $M) (local.get $vc1))
                                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $V) (local.get $vc2))) (local.get $veps)))
                     (local.get $vlr))
          (v128.load (i32.add (local.get $w) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $fg (f32.load (i32.add (local.get $g) (local.get $i))))
      (local.set $fm (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
                              (f32.mul (local.get $fg) (local.get $omb1))))
      (local.set $fv (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
                              (f32.mul (f32.mul (local.get $fg) (local.get $fg)) (local.get $omb2))))
      (f32.store (i32.add (local.get $mo) (local.get $i)) (local.get $fm))
      (f32.store (i32.add (local.get $vo) (local.get $i)) (local.get $fv))
      (f32.store (i32.add (local.get $wo) (local.get $i))
        (f32.add
          (f32.mul (f32.div (f32.div (local.get $fm) (local.get $c1))
                            (f32.add (f32.sqrt (f32.div (local.get $fv) (local.get $c2))) (local.get $eps)))
                   (local.get $neglr))
          (f32.load (i32.add (local.get $w) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $tail))))
)
