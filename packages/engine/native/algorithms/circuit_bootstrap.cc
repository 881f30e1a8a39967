// Each level PBS goes through keyswitch_pbs_many_luts (lwe_programmable_bootstrap.h), the
// packing through pfks_apply_group, the Fourier rows through the FFT kernels.
#include "algorithms/circuit_bootstrap.h"

#include <chrono>
#include <vector>

#include "algorithms/crt_residues.h"
#include "algorithms/lwe_packing_keyswitch.h"
#include "algorithms/lwe_programmable_bootstrap.h"
#include "algorithms/fourier_ggsw_store.h"
#include "commons/fft/fft.h"

namespace fhe {

namespace {

// Per-thread buffers of the circuit bootstrap of one residue (b*l_cbs LUTs, LWEs and GLWEs).
struct CbsScratch {
  size_t cap = 0, N = 0, k = 0, pfks_levels = 0;
  AlignedBuffer<Torus> luts, lwes, glwes;
  AlignedBuffer<i64> digits;
  void ensure(size_t count, size_t N_, size_t k_, size_t pl) {
    if (count <= cap && N == N_ && k == k_ && pl == pfks_levels) return;
    cap = count, N = N_, k = k_, pfks_levels = pl;
    luts.resize(count * N);
    lwes.resize(count * (k * N + 1));
    glwes.resize(count * (k + 1) * N);
    digits.resize(count * kPfksChunk * pl);
  }
};

}  // namespace

void circuit_bootstrap(const EvaluationKeys& keys, const PackingKeyswitchKeys& pfks, const Torus* const* residues,
                       const u32* moduli, size_t m, FourierGgswList& out, size_t first, CbsTimings* timings) {
  using Clock = std::chrono::steady_clock;
  auto lap = [timings](Clock::time_point& t0, double CbsTimings::*field) {
    if (!timings) return;
    const Clock::time_point t1 = Clock::now();
    timings->*field += std::chrono::duration<double, std::nano>(t1 - t0).count();
    t0 = t1;
  };
  const Params& p = keys.params;
  FHE_CHECK(p.same_as(pfks.wop.params), "circuit bootstrap: packing keyswitching keys were made for other parameters");
  const size_t t = check_moduli(p, moduli, m);
  const size_t k = p.glwe_dimension.value, N = p.polynomial_size.value;
  const Decomposition& cbs = pfks.wop.cbs;
  const size_t l = cbs.level_count.value;
  const unsigned beta = unsigned(cbs.base_log.value);
  FHE_CHECK(out.k == k && out.N == N && out.levels == l && out.dec.base_log == cbs.base_log,
            "circuit bootstrap: GGSW list shape does not match the parameters");
  FHE_CHECK(first + t <= out.count, "circuit bootstrap: ", t, " GGSWs from ", first, " do not fit in a list of ",
            out.count);
  const FftPlan& plan = fft_plan(p.polynomial_size.value);
  const Kernels& K = kernels();
  const FourierGgswLayout G = out.layout();
  thread_local CbsScratch S;
  size_t at = first;
  std::vector<Torus> values;
  for (size_t i = 0; i < m; ++i) {
    const u32 pm = moduli[i];
    const size_t bits = residue_bits(pm), count = bits * l;
    S.ensure(count, N, k, pfks.wop.pfks.level_count.value);
    std::vector<const Torus*> luts(count);
    std::vector<Torus*> lwes(count), glwes(count);
    std::vector<const Torus*> lwes_in(count);
    values.assign(pm, 0);
    for (size_t b = 0; b < bits; ++b) {
      for (size_t j = 0; j < l; ++j) {
        const size_t idx = b * l + j;
        // Level j (0-based) of bit b: g(r) = bit_b(r) * q / B^(j+1).
        const u64 g = u64(1) << (64 - beta * (j + 1));
        for (u32 r = 0; r < pm; ++r) values[r] = ((r >> b) & 1) ? g : 0;
        build_residue_lut(p, pm, values.data(), S.luts.data() + idx * N);
        luts[idx] = S.luts.data() + idx * N;
        lwes[idx] = S.lwes.data() + idx * (k * N + 1);
        lwes_in[idx] = lwes[idx];
        glwes[idx] = S.glwes.data() + idx * (k + 1) * N;
      }
    }
    Clock::time_point t0 = timings ? Clock::now() : Clock::time_point();
    keyswitch_pbs_many_luts(keys, residues[i], luts.data(), lwes.data(), count);
    lap(t0, &CbsTimings::pbs_ns);
    // GGSW row (c, j): PFKS with key c of the level-j LWE (c < k: -mu S_c q/B^j, c = k: mu q/B^j).
    for (size_t c = 0; c <= k; ++c) {
      pfks_apply_group(pfks, c, lwes_in.data(), glwes.data(), count, S.digits.data());
      lap(t0, &CbsTimings::pfks_ns);
      for (size_t b = 0; b < bits; ++b) {
        double* ggsw = out.ggsw(at + b);
        for (size_t j = 0; j < l; ++j) {
          const size_t row = c * l + j;
          const Torus* glwe = glwes[b * l + j];
          for (size_t poly = 0; poly <= k; ++poly) forward_torus_into_ggsw(plan, K, G, glwe + poly * N, ggsw, row * (k + 1) + poly);
        }
      }
      lap(t0, &CbsTimings::fourier_ns);
    }
    at += bits;
  }
}

}  // namespace fhe
