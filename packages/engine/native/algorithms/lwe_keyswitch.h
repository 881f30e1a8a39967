// LWE keyswitch from the big key (dimension k*N) to the small key (dimension n): one ciphertext,
// or a group that reads each keyswitching key row once for all its ciphertexts.
#pragma once
#include "entities/parameters.h"

namespace fhe {

// The keyswitch works modulo 2^32: the key holds each word's top 32 bits (EvaluationKeys), the
// output is the small LWE ciphertext mod 2^32 (out = round(b / 2^32) - sum digit * key row, wrapping
// u32), which the modulus switch to 2N (< 2^18) reads. Same digits of the input as a 64-bit keyswitch.
// out (n+1) = keyswitch of in (k*N+1). digits: scratch of k*N*l_ks i64.
void keyswitch(const Params& p, const u32* ksk, const Torus* in, u32* out, i64* digits);

// Big-key indices decomposed at a time by keyswitch_group (its digits stay in L1).
constexpr size_t kKeyswitchChunk = 128;
// outs[g] (n+1) = keyswitch of ins[g] (k*N+1) for g < count, bit-identical to keyswitch(): the
// KSK (hundreds of MiB at N >= 8192) is streamed from memory once for the whole group instead of
// once per ciphertext, each row being applied to every ciphertext while it sits in L1.
// digits: scratch of count * kKeyswitchChunk * l_ks i64.
void keyswitch_group(const Params& p, const u32* ksk, const Torus* const* ins, u32* const* outs, size_t count,
                     i64* digits);

}  // namespace fhe
