// Programmable bootstrapping: keyswitch + PBS of a batch with integer tables (pbs, pbsAsync), the
// multi-value PBS (pbsMany, pbsManyAsync: several functions of one input per blind rotation), and
// of CRT residues with torus-valued tables (pbsResidue, pbsResidueAsync).
#include "algorithms/crt_residues.h"
#include "algorithms/lwe_programmable_bootstrap.h"
#include "bindings/arguments.h"
#include "bindings/async_jobs.h"
#include "bindings/exports.h"

namespace fhe::bindings {

namespace {

// Optional options argument of pbs/pbsAsync: { groupSize?: number, onProgress?: (done, total) => void }.
struct PbsOptionsArg {
  size_t group_size = 0;
  Napi::Function on_progress;
};
PbsOptionsArg pbs_options(const Napi::CallbackInfo& info, size_t index) {
  PbsOptionsArg o;
  if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) return o;
  if (!info[index].IsObject()) fail("options: expected an object { groupSize?, onProgress? }");
  Napi::Object obj = info[index].As<Napi::Object>();
  if (!obj.Get("groupSize").IsUndefined()) o.group_size = uint_field(obj, "groupSize", "options", double(kMaxPbsGroup));
  o.on_progress = progress_option(info, index, "{ groupSize?, onProgress? }");
  return o;
}

// A PBS batch on a libuv worker + the thread pool: run(options) with the requested group size and
// the job's progress; the keys (info[0]) and the batch (info[1]) stay pinned until it ends.
using PbsRun = std::function<std::unique_ptr<LweCiphertextBatch>(const PbsBatchOptions&)>;
Napi::Value queue_pbs(const Napi::CallbackInfo& info, const PbsOptionsArg& o, const char* name, PbsRun run) {
  const size_t group_size = o.group_size;
  return queue_batch_job(
      info.Env(), o.on_progress, name,
      [run = std::move(run), group_size](const JobProgress* progress) {
        PbsBatchOptions opts;
        opts.group_size = group_size;
        opts.progress = progress;
        return run(opts);
      },
      {holder_of(info[0], HKind::EvaluationKeys, "evaluationKeys"), holder_of(info[1], HKind::Batch, "batch")},
      {info[0], info[1]});
}

Napi::Value Pbs(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  PbsArgs a = pbs_args(info, k, b);
  const PbsOptionsArg o = pbs_options(info, 4);
  FHE_CHECK(o.on_progress.IsEmpty(), "options.onProgress: only pbsAsync reports progress (pbs blocks the JS thread)");
  PbsBatchOptions opts;
  opts.group_size = o.group_size;
  return wrap_batch(info.Env(), pbs_batch(k, b, a.table_index.data(), a.tables.data(), a.num_tables, opts));
}

Napi::Value PbsAsync(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  auto a = std::make_shared<PbsArgs>(pbs_args(info, k, b));
  return queue_pbs(info, pbs_options(info, 4), "fhenet pbs progress", [&k, &b, a](const PbsBatchOptions& opts) {
    return pbs_batch(k, b, a->table_index.data(), a->tables.data(), a->num_tables, opts);
  });
}

// pbsMany(ek, batch, tableIndex, tables, functions[, options]): tables of p entries pack
// `functions` functions of p/functions entries each; returns count * functions ciphertexts.
Napi::Value PbsMany(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  PbsArgs a = pbs_args(info, k, b);
  const size_t functions = size_arg(info, 4, "functions", double(k.params.message_modulus()));
  const PbsOptionsArg o = pbs_options(info, 5);
  FHE_CHECK(o.on_progress.IsEmpty(), "options.onProgress: only pbsManyAsync reports progress (pbsMany blocks the JS thread)");
  PbsBatchOptions opts;
  opts.group_size = o.group_size;
  return wrap_batch(info.Env(), pbs_batch_many(k, b, a.table_index.data(), a.tables.data(), a.num_tables, functions, opts));
}

Napi::Value PbsManyAsync(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  auto a = std::make_shared<PbsArgs>(pbs_args(info, k, b));
  const size_t functions = size_arg(info, 4, "functions", double(k.params.message_modulus()));
  return queue_pbs(info, pbs_options(info, 5), "fhenet multi-value pbs progress",
                   [&k, &b, a, functions](const PbsBatchOptions& opts) {
                     return pbs_batch_many(k, b, a->table_index.data(), a->tables.data(), a->num_tables, functions, opts);
                   });
}

// Residue PBS arguments (modulus at info[2], tableIndex, torus tables of p words each) and the
// residue LUT polynomials built from them.
struct ResiduePbsArgs {
  std::vector<u32> table_index;
  AlignedBuffer<Torus> luts;
  size_t num_tables = 0;
};
ResiduePbsArgs residue_pbs_args(const Napi::CallbackInfo& info, const EvaluationKeys& k, const LweCiphertextBatch& b) {
  const u32 m = modulus_arg(info, 2);
  auto idx = u32arr(info[3], "tableIndex");
  auto tables = u64arr(info[4], "tables");
  FHE_CHECK(idx.ElementLength() == b.count, "tableIndex: expected one entry per ciphertext (", b.count, "), got ",
            idx.ElementLength());
  FHE_CHECK(m >= 1 && tables.ElementLength() % m == 0 && tables.ElementLength() > 0,
            "tables: expected a non-zero multiple of p = ", m, " torus words, got ", tables.ElementLength());
  ResiduePbsArgs a;
  a.table_index.assign(idx.Data(), idx.Data() + idx.ElementLength());
  a.num_tables = tables.ElementLength() / m;
  const size_t N = k.params.polynomial_size.value;
  a.luts.resize(a.num_tables * N);
  const Torus* t = reinterpret_cast<const Torus*>(tables.Data());
  for (size_t i = 0; i < a.num_tables; ++i) build_residue_lut(k.params, m, t + i * m, a.luts.data() + i * N);
  return a;
}

// Keyswitch + PBS of residues mod p (native encoding) with functions g_s: Z_p -> torus
// (tables: p torus words each; tableIndex per ciphertext). The one-PBS residue lookup.
Napi::Value PbsResidue(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  ResiduePbsArgs a = residue_pbs_args(info, k, b);
  return wrap_batch(info.Env(), pbs_batch_luts(k, b, a.table_index.data(), a.luts.data(), a.num_tables));
}

// Same on a libuv worker + the thread pool; options (6th argument) as pbsAsync's.
Napi::Value PbsResidueAsync(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  LweCiphertextBatch& b = batch(info[1]);
  auto a = std::make_shared<ResiduePbsArgs>(residue_pbs_args(info, k, b));
  return queue_pbs(info, pbs_options(info, 5), "fhenet residue pbs progress", [&k, &b, a](const PbsBatchOptions& opts) {
    return pbs_batch_luts(k, b, a->table_index.data(), a->luts.data(), a->num_tables, opts);
  });
}

}  // namespace

void export_pbs(Napi::Env env, Napi::Object exports) {
  FHE_EXPORT(exports, "pbs", Pbs);
  FHE_EXPORT(exports, "pbsAsync", PbsAsync);
  FHE_EXPORT(exports, "pbsMany", PbsMany);
  FHE_EXPORT(exports, "pbsManyAsync", PbsManyAsync);
  FHE_EXPORT(exports, "pbsResidue", PbsResidue);
  FHE_EXPORT(exports, "pbsResidueAsync", PbsResidueAsync);
}

}  // namespace fhe::bindings
