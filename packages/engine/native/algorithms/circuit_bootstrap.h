// Circuit bootstrapping (WoP-PBS): the bits of a residue mod p, as Fourier GGSWs, from its LWE.
#pragma once
#include "entities/evaluation_keys.h"
#include "entities/fourier_ggsw_list.h"
#include "entities/packing_keyswitch_keys.h"

namespace fhe {

// Circuit bootstrapping of the residues of one neuron: residues[i] (kN+1, big key) holds r_i mod
// moduli[i]. Writes the t selector GGSWs (doc order) into out[0..t). Each residue is keyswitched
// once; its b_i * l_cbs level PBS share that keyswitch. Runs on the calling thread.
// timings (optional, benchmarks): nanoseconds added per phase.
struct CbsTimings {
  double pbs_ns = 0, pfks_ns = 0, fourier_ns = 0;
};
void circuit_bootstrap(const EvaluationKeys& keys, const PackingKeyswitchKeys& pfks, const Torus* const* residues,
                       const u32* moduli, size_t m, FourierGgswList& out, size_t first = 0,
                       CbsTimings* timings = nullptr);

}  // namespace fhe
