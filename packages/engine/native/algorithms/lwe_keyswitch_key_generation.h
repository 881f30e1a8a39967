// LWE keyswitching key (big key k*N -> small key n) generation, and its expansion from the seeded
// form on the server.
#pragma once
#include "entities/client_key.h"

namespace fhe {

// Keyswitching key rows [row_start, row_end) (row = big index * l_ks + level): bodies into
// `bodies` (seeded form, 64-bit, may be null) and full rows into `ksk` (may be null), each word
// rounded to its top 32 bits (EvaluationKeys). Masks come from (mask_seed, KskMask, row), noise
// from (noise_key, KskNoise, row).
void generate_ksk_rows(const ClientKey& key, const ChaChaKey& mask_seed, const ChaChaKey& noise_key, Torus* bodies,
                       u32* ksk, size_t row_start, size_t row_end);
// Rebuild full rows from the seeded form (server side), rounded like generate_ksk_rows's.
void expand_ksk_rows(const Params& p, const ChaChaKey& mask_seed, const Torus* bodies, u32* ksk, size_t row_start,
                     size_t row_end);

}  // namespace fhe
