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
struct EvaluationKeys {
  Params params;
  AlignedBuffer<double> fourier_bsk;  // [ggsw i][row (r, level)][poly c][re M | im M]
  AlignedBuffer<Torus> ksk;           // [big i][level][a_0 .. a_{n-1}, b]
};

}  // namespace fhe
