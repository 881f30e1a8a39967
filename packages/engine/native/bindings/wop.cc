// WoP-PBS (CRT lookups; docs/crt.md): residue and CRT tables, packing keyswitching keys (keygen,
// seeded form, expansion, format) and the batched lookup.
#include "algorithms/crt_residues.h"
#include "algorithms/lwe_packing_keyswitch_key_generation.h"
#include "algorithms/wop_lookup.h"
#include "bindings/arguments.h"
#include "bindings/async_jobs.h"
#include "bindings/exports.h"
#include "bindings/serialized.h"

namespace fhe::bindings {

namespace {

// Vertical-packing LUT (2^t words) from a table of M = prod(moduli) torus words over [0, M).
Napi::Value CrtLut(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  const std::vector<u32> moduli = moduli_arg(info[1]);
  auto values = u64arr(info[2], "values");
  const size_t t = check_moduli(p, moduli.data(), moduli.size());
  u64 M = 1;
  for (u32 q : moduli) M *= q;
  FHE_CHECK(values.ElementLength() == M, "values: expected M = ", M, " torus words (one per u in [0, M)), got ",
            values.ElementLength());
  auto out = Napi::BigUint64Array::New(info.Env(), size_t(1) << t);
  build_crt_lut(p, moduli.data(), moduli.size(), reinterpret_cast<const Torus*>(values.Data()),
                reinterpret_cast<Torus*>(out.Data()));
  return out;
}

// Test polynomial of g: Z_p -> torus (p odd): values = p torus words; returns N words.
Napi::Value ResidueLut(const Napi::CallbackInfo& info) {
  const Params p = parse_params(info[0]);
  const u32 m = modulus_arg(info, 1);
  auto values = u64arr(info[2], "values");
  FHE_CHECK(values.ElementLength() == m, "values: expected p = ", m, " torus words, got ", values.ElementLength());
  auto out = Napi::BigUint64Array::New(info.Env(), p.polynomial_size.value);
  build_residue_lut(p, m, reinterpret_cast<const Torus*>(values.Data()), reinterpret_cast<Torus*>(out.Data()));
  return out;
}

// The client key at info[0] and the WoP set at info[1], which must describe the same keys.
std::pair<ClientKey*, WopParams> client_and_wop(const Napi::CallbackInfo& info) {
  ClientKey& ck = client_key(info[0]);
  const WopParams w = parse_wop_params(info[1]);
  FHE_CHECK(ck.params.same_as(w.params), "packing keyswitch keygen: parameters do not match the client key (",
            ck.params.difference(w.params), ")");
  return {&ck, w};
}

int64_t pfks_bytes(const PackingKeyswitchKeys& k) { return int64_t(k.data.size() * 8); }
int64_t seeded_pfks_bytes(const SeededPackingKeys& k) { return int64_t(k.bodies.size() * 8); }

// Packing keyswitching keys from the client key, on a libuv worker (seconds).
Napi::Value PfksKeygen(const Napi::CallbackInfo& info) {
  auto [ck, w] = client_and_wop(info);
  return queue_object_job<PKHolder, PackingKeyswitchKeys>(
      info.Env(), [ck = ck, w = w] { return generate_pfks_keys(*ck, w); }, pfks_bytes,
      {holder_of(info[0], HKind::ClientKey, "clientKey")}, {info[0]});
}

// Seeded form (client side, for transfer): bodies + public mask seed.
Napi::Value PfksKeygenSeeded(const Napi::CallbackInfo& info) {
  auto [ck, w] = client_and_wop(info);
  return queue_object_job<SPKHolder, SeededPackingKeys>(
      info.Env(), [ck = ck, w = w] { return generate_pfks_seeded(*ck, w); }, seeded_pfks_bytes,
      {holder_of(info[0], HKind::ClientKey, "clientKey")}, {info[0]});
}

// Server side: full keys from the seeded form, on a libuv worker.
Napi::Value PfksExpand(const Napi::CallbackInfo& info) {
  SeededPackingKeys& sk = get<SPKHolder>(info[0], HKind::SeededPackingKeys, "seededPackingKeys");
  return queue_object_job<PKHolder, PackingKeyswitchKeys>(
      info.Env(), [&sk] { return expand_pfks(sk); }, pfks_bytes,
      {holder_of(info[0], HKind::SeededPackingKeys, "seededPackingKeys")}, {info[0]});
}

Napi::Value SerializePfksSeeded(const Napi::CallbackInfo& info) {
  return to_buffer(info.Env(), get<SPKHolder>(info[0], HKind::SeededPackingKeys, "seededPackingKeys"),
                   fingerprint_arg(info[1]));
}

Napi::Value DeserializePfksSeeded(const Napi::CallbackInfo& info) {
  auto [d, n] = bytes_arg(info[0]);
  auto k = deserialize_seeded_packing_keys(d, n, parse_wop_params(info[1]), fingerprint_arg(info[2]));
  const int64_t bytes = seeded_pfks_bytes(*k);
  return wrap<SPKHolder>(info.Env(), std::move(k), bytes);
}

Napi::Value PfksInfo(const Napi::CallbackInfo& info) {
  PackingKeyswitchKeys& k = pfks_keys(info[0]);
  const PfksLayout L(k.wop);
  auto o = Napi::Object::New(info.Env());
  o.Set("bytes", double(k.data.size() * 8));
  o.Set("rows", double(L.rows()));
  o.Set("keys", double(L.k + 1));
  return o;
}

// Batched WoP lookup on a libuv worker + the thread pool (wop_lookup.h). Arguments:
// (ek, pfks, residues batch [neuron][m], moduli, tableIndex per neuron, luts
// [table][output][2^t] torus words, outputsPerTable, options?: { onProgress }).
Napi::Value WopLookup(const Napi::CallbackInfo& info) {
  EvaluationKeys& k = eval_keys(info[0]);
  PackingKeyswitchKeys& pk = pfks_keys(info[1]);
  LweCiphertextBatch& b = batch(info[2]);
  auto moduli = std::make_shared<std::vector<u32>>(moduli_arg(info[3]));
  const size_t t = check_moduli(k.params, moduli->data(), moduli->size());
  FHE_CHECK(b.count % moduli->size() == 0, "residues: ", b.count, " ciphertexts is not a multiple of ",
            moduli->size(), " moduli");
  const size_t neurons = b.count / moduli->size();
  auto idx = u32arr(info[4], "tableIndex");
  FHE_CHECK(idx.ElementLength() == neurons, "tableIndex: expected one entry per neuron (", neurons, "), got ",
            idx.ElementLength());
  auto table_index = std::make_shared<std::vector<u32>>(idx.Data(), idx.Data() + idx.ElementLength());
  auto luts_arr = u64arr(info[5], "luts");
  const size_t outputs = size_arg(info, 6, "outputsPerTable", 1 << 16);
  FHE_CHECK(outputs >= 1, "outputsPerTable must be >= 1");
  const size_t per_table = outputs << t;
  FHE_CHECK(luts_arr.ElementLength() % per_table == 0 && luts_arr.ElementLength() > 0, "luts: expected a non-zero multiple of outputsPerTable * 2^t = ",
            per_table, " torus words, got ", luts_arr.ElementLength());
  const size_t num_tables = luts_arr.ElementLength() / per_table;
  auto luts = std::make_shared<std::vector<Torus>>(luts_arr.Data(), luts_arr.Data() + luts_arr.ElementLength());
  const Napi::Function on_progress = progress_option(info, 7, "{ onProgress? }");
  return queue_batch_job(
      info.Env(), on_progress, "fhenet wop progress",
      [&k, &pk, &b, moduli, table_index, luts, num_tables, outputs](const JobProgress* progress) {
        return wop_lookup(k, pk, b, moduli->data(), moduli->size(), table_index->data(), luts->data(), num_tables,
                          outputs, progress);
      },
      {holder_of(info[0], HKind::EvaluationKeys, "evaluationKeys"),
       holder_of(info[1], HKind::PackingKeys, "packingKeys"), holder_of(info[2], HKind::Batch, "batch")},
      {info[0], info[1], info[2]});
}

}  // namespace

void export_wop(Napi::Env env, Napi::Object exports) {
  FHE_EXPORT(exports, "crtLut", CrtLut);
  FHE_EXPORT(exports, "residueLut", ResidueLut);
  FHE_EXPORT(exports, "pfksKeygen", PfksKeygen);
  FHE_EXPORT(exports, "pfksKeygenSeeded", PfksKeygenSeeded);
  FHE_EXPORT(exports, "pfksExpand", PfksExpand);
  FHE_EXPORT(exports, "pfksInfo", PfksInfo);
  FHE_EXPORT(exports, "serializePfksSeeded", SerializePfksSeeded);
  FHE_EXPORT(exports, "deserializePfksSeeded", DeserializePfksSeeded);
  FHE_EXPORT(exports, "wopLookup", WopLookup);
}

}  // namespace fhe::bindings
