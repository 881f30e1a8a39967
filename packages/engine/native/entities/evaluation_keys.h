// Evaluation keys (the server's keys: no secret) and the sizes of their parts.
#pragma once
#include "commons/aligned_buffer.h"
#include "commons/csprng.h"
#include "entities/key_layout.h"
#include "entities/parameters.h"

namespace fhe {

// Evaluation keys in compressed transfer form: masks are regenerated from mask_seed (public).
struct SeededEvaluationKeys {
  Params params;
  ChaChaKey mask_seed;
  AlignedBuffer<Torus> bsk_bodies;  // [ggsw i][row][N]
  AlignedBuffer<Torus> ksk_bodies;  // [big i][level]
};

// Evaluation keys ready for computation: Fourier bootstrapping key and full keyswitching key.
// Holds no secret: there is no path from here to the client key.
// The keyswitching key is kept as each word rounded to its top 32 bits (round_to_high32): the
// keyswitch computes modulo 2^32 (lwe_keyswitch.h), which halves the memory it streams and its
// multiplications. Rounding a key word by at most 2^31 (of 2^64) adds variance 1/12 * 2^-64 to the
// key's noise (2^-18 of it on the published 8-bit set, 2^-30 at 2 bits): accounted in the noise
// model (params varKeyswitch). Serialized keys keep the 64-bit format (these words, shifted back
// up; a 64-bit key file from before is read by rounding each word), so files stay interchangeable.
struct EvaluationKeys {
  Params params;
  AlignedBuffer<double> fourier_bsk;  // [ggsw i] in FourierGgswLayout (KeyLayout::fourier_ggsw_layout)
  AlignedBuffer<u32> ksk;             // [big i][level][a_0 .. a_{n-1}, b], top 32 bits of each word
};

}  // namespace fhe
