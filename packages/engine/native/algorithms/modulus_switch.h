// Modulus switch of a small LWE ciphertext from Z/2^32 (the keyswitch's output) to Z/2N before the
// blind rotation.
#pragma once
#include "entities/parameters.h"

namespace fhe {

// Centered modulus switch of a small LWE ciphertext (n+1, mod 2^32) to Z/2N.
void modulus_switch_centered(const Params& p, const u32* in, u32* out);

}  // namespace fhe
