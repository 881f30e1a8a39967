// Bootstrapping key generation: GGSW encryptions of the small key's bits under the GLWE key,
// written straight into Fourier form (and/or as seeded bodies), and their expansion on the server.
#pragma once
#include "entities/client_key.h"

namespace fhe {

// GGSWs [start, end): bodies into `bodies` (seeded form, may be null), the Fourier form of masks
// and bodies into `fourier` (may be null). Row index for streams: ggsw * rows + row.
void generate_bsk_range(const ClientKey& key, const ChaChaKey& mask_seed, const ChaChaKey& noise_key, Torus* bodies,
                        double* fourier, size_t start, size_t end);
// Server side: regenerate masks from the seed and convert masks and bodies to Fourier form.
void expand_bsk_range(const Params& p, const ChaChaKey& mask_seed, const Torus* bodies, double* fourier, size_t start,
                      size_t end);

}  // namespace fhe
