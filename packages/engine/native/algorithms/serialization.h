// Versioned binary formats for keys and ciphertexts (documented in docs/key-and-ciphertext-formats.md).
// Every reader validates the header (magic, version, kind, parameters, fingerprint) and every
// length against the expected parameters before touching the payload, and checks the trailing
// checksum; any mismatch throws EngineError with a message naming what was expected and found.
#pragma once
#include <memory>

#include "entities/client_key.h"
#include "entities/evaluation_keys.h"
#include "entities/lwe_ciphertext_batch.h"
#include "entities/packing_keyswitch_keys.h"

namespace fhe {

enum class ObjectKind : uint16_t {
  ClientKey = 1,
  EvaluationKeys = 2,
  SeededEvaluationKeys = 3,
  CiphertextBatch = 4,
  SeededPackingKeys = 5,  // WoP-PBS packing keyswitching keys, seeded form (entities/packing_keyswitch_keys.h)
};

struct Fingerprint {
  u8 bytes[32];
};

constexpr uint16_t kFormatVersion = 1;

// The trailing checksum of every format (over all bytes before it). Public for the readers' fuzz
// test, which re-seals mutated objects so that mutations reach the checks behind the checksum.
u64 format_checksum(const u8* bytes, size_t len);

size_t serialized_size(const ClientKey&);
size_t serialized_size(const EvaluationKeys&);
size_t serialized_size(const SeededEvaluationKeys&);
size_t serialized_size(const LweCiphertextBatch&);
void serialize(const ClientKey&, const Fingerprint&, u8* dst, size_t len);
void serialize(const EvaluationKeys&, const Fingerprint&, u8* dst, size_t len);
void serialize(const SeededEvaluationKeys&, const Fingerprint&, u8* dst, size_t len);
// Ciphertexts carry the parameters they were made under (for dimension checks).
void serialize(const LweCiphertextBatch&, const Params&, const Fingerprint&, u8* dst, size_t len);

std::unique_ptr<ClientKey> deserialize_client_key(const u8* src, size_t len, const Params& expect, const Fingerprint& fp);
std::unique_ptr<EvaluationKeys> deserialize_evaluation_keys(const u8* src, size_t len, const Params& expect,
                                                            const Fingerprint& fp);
std::unique_ptr<SeededEvaluationKeys> deserialize_seeded_keys(const u8* src, size_t len, const Params& expect,
                                                              const Fingerprint& fp);
// Seeded packing keyswitching keys: header (params of wop.params), then cbs and pfks base/levels
// (4 x u32), mask seed (32), row count (u64), bodies (rows * N words), checksum. The reader checks
// the decompositions against `expect` as well as the header.
size_t serialized_size(const SeededPackingKeys&);
void serialize(const SeededPackingKeys&, const Fingerprint&, u8* dst, size_t len);
std::unique_ptr<SeededPackingKeys> deserialize_seeded_packing_keys(const u8* src, size_t len, const WopParams& expect,
                                                                   const Fingerprint& fp);

std::unique_ptr<LweCiphertextBatch> deserialize_ciphertexts(const u8* src, size_t len, const Params& expect,
                                                            const Fingerprint& fp);

}  // namespace fhe
