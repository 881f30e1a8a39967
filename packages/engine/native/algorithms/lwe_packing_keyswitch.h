// Packing keyswitch (WoP-PBS): LWEs under the big key -> GLWEs, through a private function of
// the key (keys c < k) or the identity (key k).
#pragma once
#include "entities/packing_keyswitch_keys.h"

namespace fhe {

// outs[g] ((k+1)N, GLWE) = PFKS with key c of ins[g] (kN+1, big key), g < count: the key is
// streamed once for the whole group. digits: scratch of count * kPfksChunk * l_pfks i64.
constexpr size_t kPfksChunk = 64;
void pfks_apply_group(const PackingKeyswitchKeys& keys, size_t c, const Torus* const* ins, Torus* const* outs,
                      size_t count, i64* digits);

}  // namespace fhe
