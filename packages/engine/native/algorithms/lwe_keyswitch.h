// LWE keyswitch from the big key (dimension k*N) to the small key (dimension n): one ciphertext,
// or a group that reads each keyswitching key row once for all its ciphertexts.
#pragma once
#include "entities/parameters.h"

namespace fhe {

// out (n+1) = keyswitch of in (k*N+1). digits: scratch of k*N*l_ks i64.
void keyswitch(const Params& p, const Torus* ksk, const Torus* in, Torus* out, i64* digits);

// Big-key indices decomposed at a time by keyswitch_group (its digits stay in L1).
constexpr size_t kKeyswitchChunk = 128;
// outs[g] (n+1) = keyswitch of ins[g] (k*N+1) for g < count, bit-identical to keyswitch(): the
// KSK (hundreds of MiB at N >= 8192) is streamed from memory once for the whole group instead of
// once per ciphertext, each row being applied to every ciphertext while it sits in L1.
// digits: scratch of count * kKeyswitchChunk * l_ks i64.
void keyswitch_group(const Params& p, const Torus* ksk, const Torus* const* ins, Torus* const* outs, size_t count,
                     i64* digits);

}  // namespace fhe
