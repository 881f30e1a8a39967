#include "algorithms/tfhers_keys.h"

#include <algorithm>
#include <atomic>

#include "algorithms/fourier_ggsw_store.h"
#include "commons/fft/fft.h"
#include "commons/thread_pool.h"

namespace fhe::tfhers {

void seeded_lwe_mask(const CompressionSeed& seed, size_t dimension, Torus* mask) {
  AesCtrGenerator g = seed.generator();
  g.fill_u64(mask, dimension);
}

std::vector<u8> decompress_ciphertext_bytes(const u8* src, size_t len, const Params& p) {
  const CompressedCiphertextView c = parse_compressed_ciphertext(src, len, p);
  const size_t K = p.big_lwe_dimension().value;
  std::vector<Torus> ct(K + 1);
  seeded_lwe_mask(c.seed, K, ct.data());
  ct[K] = c.body;
  std::vector<u8> out(ciphertext_size(p));
  write_ciphertext(ct.data(), p, c.meta, out.data(), out.size());
  return out;
}

std::unique_ptr<LweCiphertextBatch> read_ciphertexts(const std::vector<ByteSpan>& items, const Params& p,
                                                     bool compressed) {
  const size_t K = p.big_lwe_dimension().value;
  auto batch = std::make_unique<LweCiphertextBatch>(p.big_lwe_dimension(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    try {
      Torus* ct = batch->ct(i);
      if (compressed) {
        const CompressedCiphertextView c = parse_compressed_ciphertext(items[i].data, items[i].len, p);
        seeded_lwe_mask(c.seed, K, ct);
        ct[K] = c.body;
      } else {
        parse_ciphertext(items[i].data, items[i].len, p).data.copy_to(ct, 0, K + 1);
      }
    } catch (const EngineError& e) {
      fail("ciphertext ", i, ": ", e.what());
    }
  }
  return batch;
}

std::vector<std::vector<u8>> write_ciphertexts(const LweCiphertextBatch& batch, const Params& p) {
  FHE_CHECK(batch.dimension == p.big_lwe_dimension(), "Mismatched LweDimension. Parameters (k*N): ",
            p.big_lwe_dimension().value, ", ciphertexts: ", batch.dimension.value);
  const ShortintMeta meta = output_meta(p);
  std::vector<std::vector<u8>> out(batch.count, std::vector<u8>(ciphertext_size(p)));
  for (size_t i = 0; i < batch.count; ++i) write_ciphertext(batch.ct(i), p, meta, out[i].data(), out[i].size());
  return out;
}

namespace {

constexpr size_t kKskChunk = 64;  // input coefficients per keyswitch-key task

// Counts finished work units across pool threads and reports about every 1%.
class Progress {
 public:
  Progress(const ExpandProgress* cb, size_t total) : cb_(cb), total_(total), step_(std::max<size_t>(1, total / 100)) {}
  void unit_done() {
    if (!cb_) return;
    const size_t d = done_.fetch_add(1) + 1;
    if (d % step_ == 0 || d == total_) (*cb_)(d, total_);
  }
 private:
  const ExpandProgress* cb_;
  size_t total_, step_;
  std::atomic<size_t> done_{0};
};

// Seeded LweKeyswitchKey: tfhe-rs forks the seed's generator into K children (one per input key
// coefficient) of l_ks * n mask elements, each forked again per level; with the native modulus an
// element is exactly 8 bytes, so child i's masks are stream elements [i*l_ks*n, (i+1)*l_ks*n) in
// stored-level order. Stored level j encrypts s_i * q / B^(l_ks - j); our row level lv encrypts
// s_i * q / B^(lv + 1), so lv = l_ks - 1 - j.
void expand_ksk(const CompressedServerKeyView& v, const Params& p, u32* ksk, Progress& progress) {
  const KeyLayout L(p);
  const AesCtrGenerator root = v.ksk_seed.generator();
  const u64 child_bytes = u64(L.l_ks) * L.n * 8;
  ThreadPool::global().parallel_for((L.big + kKskChunk - 1) / kKskChunk, [&](size_t task, size_t) {
    const size_t end = std::min(L.big, (task + 1) * kKskChunk);
    std::vector<Torus> mask(L.n);
    for (size_t i = task * kKskChunk; i < end; ++i) {
      AesCtrGenerator g = root.child(i, L.big, child_bytes);
      for (size_t j = 0; j < L.l_ks; ++j) {
        const size_t lv = L.l_ks - 1 - j;
        u32* row = ksk + (i * L.l_ks + lv) * (L.n + 1);
        g.fill_u64(mask.data(), L.n);
        for (size_t t = 0; t < L.n; ++t) row[t] = round_to_high32(mask[t]);
        row[L.n] = round_to_high32(v.ksk_bodies.at(i * L.l_ks + j));
      }
    }
    progress.unit_done();
  });
}

// Seeded LweBootstrapKey (a seeded GGSW list): forked into n children (one GGSW each) of
// (k+1)*l*k*N mask elements; inside a GGSW, level matrices in stored order (stored level j =
// level l - j), inside a matrix rows r = 0..k, each a GLWE whose mask is k*N elements. Row r < k
// encrypts -s_i * g * S_r and row k encrypts s_i * g in the body, exactly our convention
// (lwe_bootstrap_key_generation.cc), so only the row order changes: our row = r * l + (l - 1 - j).
void expand_bsk(const CompressedServerKeyView& v, const Params& p, double* fourier, Progress& progress) {
  const KeyLayout L(p);
  const FftPlan& plan = fft_plan(p.polynomial_size.value);
  const Kernels& K = kernels();
  const FourierGgswLayout G = L.fourier_ggsw_layout();
  const AesCtrGenerator root = v.bsk_seed.generator();
  const u64 child_bytes = u64(L.ggsw_rows()) * L.k * L.N * 8;
  ThreadPool& pool = ThreadPool::global();
  std::vector<std::unique_ptr<AlignedBuffer<Torus>>> scratch(pool.threads());
  pool.parallel_for(L.n, [&](size_t i, size_t worker) {
    if (!scratch[worker]) scratch[worker] = std::make_unique<AlignedBuffer<Torus>>((L.k + 1) * L.N);
    Torus* glwe = scratch[worker]->data();  // k mask polynomials then the body
    AesCtrGenerator g = root.child(i, L.n, child_bytes);
    for (size_t j = 0; j < L.l_pbs; ++j) {
      for (size_t r = 0; r <= L.k; ++r) {
        g.fill_u64(glwe, L.k * L.N);
        v.bsk_bodies.copy_to(glwe + L.k * L.N, ((i * L.l_pbs + j) * (L.k + 1) + r) * L.N, L.N);
        const size_t row = r * L.l_pbs + (L.l_pbs - 1 - j);
        // Our Fourier layout (entities/fourier_ggsw_layout.h): GGSW i, polynomial row * (k+1) + c.
        for (size_t c = 0; c <= L.k; ++c)
          forward_torus_into_ggsw(plan, K, G, glwe + c * L.N, fourier + i * L.fourier_ggsw_len(), row * (L.k + 1) + c);
      }
    }
    progress.unit_done();
  });
}

}  // namespace

std::unique_ptr<EvaluationKeys> expand_server_key(const u8* src, size_t len, const Params& p,
                                                  const ExpandProgress* progress_cb) {
  const CompressedServerKeyView v = parse_compressed_server_key(src, len, p);
  const KeyLayout L(p);
  Progress progress(progress_cb, (L.big + kKskChunk - 1) / kKskChunk + L.n);
  auto keys = std::make_unique<EvaluationKeys>();
  keys->params = p;
  // tfhe-rs rates its parameter sets with its own modulus switch; ours follows the set's choice.
  keys->ksk.resize(L.ksk_len());
  keys->fourier_bsk.resize(L.fourier_bsk_len());
  expand_ksk(v, p, keys->ksk.data(), progress);
  expand_bsk(v, p, keys->fourier_bsk.data(), progress);
  return keys;
}

}  // namespace fhe::tfhers
