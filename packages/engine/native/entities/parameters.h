// Parameter entities: the named parameter types, a keyswitch-then-PBS parameter set (Params) and
// its WoP-PBS extension (WopParams). Data plus the checks that a set is well formed; the
// security rule itself is in commons/security.h.
#pragma once
#include <cstddef>
#include <string>

#include "commons/errors.h"
#include "commons/noise_distribution.h"
#include "commons/numeric.h"

namespace fhe {

// Named parameter types: a call with two swapped integers does not compile.
#define FHE_NAMED_SIZE(Name)                                   \
  struct Name {                                                \
    size_t value;                                              \
    constexpr explicit Name(size_t v) : value(v) {}            \
    constexpr bool operator==(const Name& o) const { return value == o.value; } \
    constexpr bool operator!=(const Name& o) const { return value != o.value; } \
  };
FHE_NAMED_SIZE(LweDimension)
FHE_NAMED_SIZE(GlweDimension)
FHE_NAMED_SIZE(PolynomialSize)
FHE_NAMED_SIZE(DecompositionBaseLog)
FHE_NAMED_SIZE(DecompositionLevelCount)
#undef FHE_NAMED_SIZE

struct Decomposition {
  DecompositionBaseLog base_log{0};
  DecompositionLevelCount level_count{0};
  bool operator==(const Decomposition& o) const { return base_log == o.base_log && level_count == o.level_count; }
  bool operator!=(const Decomposition& o) const { return !(*this == o); }
};

// One keyswitch-then-PBS parameter set with binary secret keys and q = 2^64.
struct Params {
  unsigned message_bits = 0;  // p = 2^message_bits slots, plus one padding bit
  LweDimension lwe_dimension{0};
  GlweDimension glwe_dimension{0};
  PolynomialSize polynomial_size{0};
  NoiseDistribution lwe_noise, glwe_noise;
  Decomposition pbs, ks;
  // Centered modulus switch (what the published 2^-128 sets are rated with) or plain rounding.
  // How keys are used, not what they are: not part of same_as() or the serialized header.
  bool centered_modulus_switch = true;

  // Dimension of the big key k*N: the LWE dimension of every ciphertext outside a PBS.
  LweDimension big_lwe_dimension() const {
    return LweDimension(glwe_dimension.value * polynomial_size.value);
  }
  u64 delta() const { return u64(1) << (63 - message_bits); }
  size_t message_modulus() const { return size_t(1) << message_bits; }
  // Structural validity only (ranges, sizes, the samplers' noise bounds).
  void validate() const;
  // The same keys and ciphertexts (everything but the modulus switch choice).
  bool same_as(const Params& o) const;
  // Every field that same_as compares, e.g. "2-bit n=918 k=1 N=2048 LWE TU(45) GLWE TU(17) PBS 23/1 KS 4/4".
  std::string describe() const;
  // The fields of `got` that differ from this set: "lweDimension expected 918, got 900; ...".
  std::string difference(const Params& got) const;
};

// The security rule (commons/security.h) on both keys: LWE (n, lwe_noise), GLWE (k*N, glwe_noise).
void check_secure(const Params& p);

// A keyswitch-then-PBS parameter set plus the two decompositions of the WoP-PBS. Kept apart from
// Params so that the existing key formats and fingerprints do not change.
struct WopParams {
  Params params;
  Decomposition cbs;   // circuit bootstrapping: GGSW levels q / B_cbs^j, j = 1..l_cbs
  Decomposition pfks;  // packing keyswitch: decomposition of the LWE coefficients
  void validate() const;
};

}  // namespace fhe
