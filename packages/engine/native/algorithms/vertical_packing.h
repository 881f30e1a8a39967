// Vertical packing (WoP-PBS): one LWE of table[idx] from the Fourier GGSWs of idx's bits.
#pragma once
#include "entities/fourier_ggsw_list.h"

namespace fhe {

// Vertical packing: LWE (kN+1, big key) of lut[idx] (2^t torus words) where idx is the integer
// whose bits ggsws[first + b] encrypt (b < t, low bit first). Runs on the calling thread.
void vertical_packing(const FourierGgswList& ggsws, size_t first, size_t t, const Torus* lut, Torus* out);

}  // namespace fhe
