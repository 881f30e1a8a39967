// Modulus switch of a small LWE ciphertext from Z/2^64 to Z/2N before the blind rotation.
#pragma once
#include "entities/parameters.h"

namespace fhe {

// Centered modulus switch of a small LWE ciphertext (n+1) to Z/2N.
void modulus_switch_centered(const Params& p, const Torus* in, u32* out);

}  // namespace fhe
