// Packing keyswitching keys (WoP-PBS): generation from the client key, full or seeded, and the
// server's expansion of the seeded form. Layout: entities/packing_keyswitch_keys.h.
#pragma once
#include <memory>

#include "entities/client_key.h"
#include "entities/packing_keyswitch_keys.h"

namespace fhe {

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

}  // namespace fhe
