// WoP-PBS for the CRT representation (docs/crt.md sections 1-4): odd-modulus residue LUTs,
// packing keyswitching keys (PFKS), circuit bootstrapping of residue bits into Fourier GGSWs,
// vertical packing of a 2^t-entry table, and the batched lookup over neurons.
//
// Encoding: a residue r mod p (p odd) is the raw torus value r * round(2^64 / p) under the big
// key, no padding bit. Selector bits of a neuron: the bits of r_1 (low to high, ceil(log2 p_1) of
// them), then r_2, ...; idx = sum_i r_i * 2^(b_1 + .. + b_(i-1)); a table holds 2^t torus words.
#pragma once
#include <functional>
#include "entities.h"

namespace fhe {

// A keyswitch-then-PBS parameter set plus the two decompositions of the WoP-PBS. Kept apart from
// Params so that the existing key formats and fingerprints do not change.
struct WopParams {
  Params params;
  Decomposition cbs;   // circuit bootstrapping: GGSW levels q / B_cbs^j, j = 1..l_cbs
  Decomposition pfks;  // packing keyswitch: decomposition of the LWE coefficients
  void validate() const;
};

// Bits of a residue mod p: ceil(log2 p).
unsigned residue_bits(u32 p);
// round(2^64 / p): the torus step of residue encoding E_p.
Torus residue_delta(u32 p);
// Checks a modulus list for the lookup: odd, 3 <= p <= N/2 (residue PBS margin of at least one
// coefficient on each side), pairwise coprime; returns t = sum of residue_bits (<= 24).
size_t check_moduli(const Params& p, const u32* moduli, size_t m);

// out = in + values on the body (raw torus words: one per ciphertext, or one for all when
// values_len == 1): clear constants in residue encoding, e.g. a bias b as (b mod p) * delta_p.
std::unique_ptr<LweCiphertextBatch> lwe_add_torus(const LweCiphertextBatch& in, const Torus* values, size_t values_len);

// Selector index of u in [0, M) (M = product of the moduli): sum_i (u mod p_i) << (b_1 + .. + b_(i-1)).
size_t selector_index(const u32* moduli, size_t m, u64 u);
// Vertical-packing LUT (2^t words) from a table over [0, M): lut[selector_index(u)] = values[u];
// tuples that are residues of no u < M (some r_i >= p_i) get 0. Moduli checked by check_moduli.
void build_crt_lut(const Params& params, const u32* moduli, size_t m, const Torus* values, Torus* lut);

// Test polynomial (N coefficients) of g: Z_p -> torus for odd p (doc section 2): coefficient i
// takes g(r1) if i is at least as close to its nearest direct point 2N*r1/p as i+N is to its
// nearest direct point 2N*r2/p, else -g(r2). values: p torus words g(0..p-1).
void build_residue_lut(const Params& params, u32 p, const Torus* values, Torus* lut);

// Packing keyswitching keys: key c (c < k: f_c(x) = -S_c x; c = k: f_k(x) = x) holds for each
// input coefficient a and level j a GLWE encryption of f_c(s'_a q / B_pfks^j). Keys c < k read
// the input key extended with -1 (a < kN: s_a; a = kN: -1) so the private f_c also acts on the
// body; the identity key has only the kN mask inputs (its body term is the trivial (0, .., b)).
struct PfksLayout {
  size_t k, N, big, levels;
  explicit PfksLayout(const WopParams& w)
      : k(w.params.glwe_dimension.value), N(w.params.polynomial_size.value), big(k * N),
        levels(w.pfks.level_count.value) {}
  size_t row_len() const { return (k + 1) * N; }
  size_t inputs(size_t c) const { return c < k ? big + 1 : big; }
  size_t first_row(size_t c) const { return c * (big + 1) * levels; }  // keys c < k come first
  size_t rows() const { return first_row(k) + big * levels; }
  size_t len() const { return rows() * row_len(); }
};
// Server-side packing keyswitching keys (no secret): [c][a][level][(k+1) polys of N], rows
// from PfksLayout::first_row(c).
struct PackingKeyswitchKeys {
  WopParams wop;
  AlignedBuffer<Torus> data;
};

// Compressed transfer form (client -> server): masks are regenerated from mask_seed (public).
struct SeededPackingKeys {
  WopParams wop;
  ChaChaKey mask_seed;
  AlignedBuffer<Torus> bodies;  // [row][N], rows as in PfksLayout
};

// Rows [row_start, row_end) of the keys (row = first_row(c) + a * l_pfks + level): masks from
// (mask_seed, PfksMask, row), GLWE noise from (noise_key, PfksNoise, row). Full rows into `keys`
// and/or bodies into `bodies` (either may be null). Thread-safe per row.
void generate_pfks_rows(const ClientKey& key, const WopParams& wop, const ChaChaKey& mask_seed,
                        const ChaChaKey& noise_key, Torus* keys, Torus* bodies, size_t row_start, size_t row_end);
// Server side: full rows from the seeded form.
void expand_pfks_rows(const WopParams& wop, const ChaChaKey& mask_seed, const Torus* bodies, Torus* keys,
                      size_t row_start, size_t row_end);
// All rows on the thread pool, fresh OS-random seeds: full keys, or the seeded form.
std::unique_ptr<PackingKeyswitchKeys> generate_pfks_keys(const ClientKey& key, const WopParams& wop);
std::unique_ptr<SeededPackingKeys> generate_pfks_seeded(const ClientKey& key, const WopParams& wop);
std::unique_ptr<PackingKeyswitchKeys> expand_pfks(const SeededPackingKeys& seeded);

// outs[g] ((k+1)N, GLWE) = PFKS with key c of ins[g] (kN+1, big key), g < count: the key is
// streamed once for the whole group. digits: scratch of count * kPfksChunk * l_pfks i64.
constexpr size_t kPfksChunk = 64;
void pfks_apply_group(const PackingKeyswitchKeys& keys, size_t c, const Torus* const* ins, Torus* const* outs,
                      size_t count, i64* digits);

// Fourier GGSWs of one decomposition, contiguous: [ggsw][row = r*l + level][poly c][re M | im M]
// (the layout of the Fourier bootstrapping key, so the same external product applies).
struct FourierGgswList {
  size_t k = 0, N = 0, levels = 0, count = 0;
  Decomposition dec;
  AlignedBuffer<double> data;
  FourierGgswList(size_t k_, size_t N_, const Decomposition& d, size_t count_)
      : k(k_), N(N_), levels(d.level_count.value), count(count_), dec(d), data(count_ * ggsw_len()) {}
  size_t ggsw_len() const { return (k + 1) * levels * (k + 1) * N; }
  double* ggsw(size_t i) { return data.data() + i * ggsw_len(); }
  const double* ggsw(size_t i) const { return data.data() + i * ggsw_len(); }
};

// Circuit bootstrapping of the residues of one neuron: residues[i] (kN+1, big key) holds r_i mod
// moduli[i]. Writes the t selector GGSWs (doc order) into out[0..t). Each residue is keyswitched
// once; its b_i * l_cbs level PBS share that keyswitch. Runs on the calling thread.
// timings (optional, benchmarks): nanoseconds added per phase.
struct CbsTimings {
  double pbs_ns = 0, pfks_ns = 0, fourier_ns = 0;
};
void circuit_bootstrap(const EvaluationKeys& keys, const PackingKeyswitchKeys& pfks, const Torus* const* residues,
                       const u32* moduli, size_t m, FourierGgswList& out, size_t first = 0,
                       CbsTimings* timings = nullptr);

// Vertical packing: LWE (kN+1, big key) of lut[idx] (2^t torus words) where idx is the integer
// whose bits ggsws[first + b] encrypt (b < t, low bit first). Runs on the calling thread.
void vertical_packing(const FourierGgswList& ggsws, size_t first, size_t t, const Torus* lut, Torus* out);

using WopProgress = std::function<void(size_t done, size_t total)>;

// The batched lookup: neuron o has residues in.ct(o*m + i) (i < m, modulus moduli[i]) and table
// table_index[o]; table s has `outputs` LUTs of 2^t torus words at luts + (s*outputs + e) * 2^t.
// Output ciphertext o*outputs + e = LWE of LUT e of o's table at o's index. Neurons in chunks of
// 2 * threads: one pool job per (neuron, residue) circuit bootstrap, then one per (neuron, output)
// vertical packing sharing the neuron's GGSWs; progress after each chunk. Same bits for any
// thread count.
std::unique_ptr<LweCiphertextBatch> wop_lookup(const EvaluationKeys& keys, const PackingKeyswitchKeys& pfks,
                                               const LweCiphertextBatch& in, const u32* moduli, size_t m,
                                               const u32* table_index, const Torus* luts, size_t num_tables,
                                               size_t outputs, const WopProgress* progress = nullptr);

}  // namespace fhe
