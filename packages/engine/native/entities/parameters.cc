#include "entities/parameters.h"

#include <sstream>

#include "commons/security.h"

namespace fhe {

namespace {

void check_decomposition(const Decomposition& d, const char* what) {
  FHE_CHECK(d.base_log.value >= 1 && d.level_count.value >= 1 && d.base_log.value * d.level_count.value <= 63, what,
            " decomposition needs baseLog >= 1, levels >= 1, baseLog*levels <= 63; got ", d.base_log.value, "/",
            d.level_count.value);
}

void check_noise(const NoiseDistribution& n, const char* what) {
  if (n.kind == NoiseDistribution::TUniform)
    FHE_CHECK(n.bound_log2 <= kMaxTUniformBoundLog2, what, " TUniform bound log2 must be <= ", kMaxTUniformBoundLog2,
              ", got ", n.bound_log2);
  else
    FHE_CHECK(n.std_dev > 0 && n.std_dev <= std::exp2(kMaxGaussianStdDevLog2), what, " Gaussian std dev must be in (0, 2^",
              kMaxGaussianStdDevLog2, "], got ", n.std_dev);
}

std::ostream& operator<<(std::ostream& os, const Decomposition& d) {
  return os << d.base_log.value << "/" << d.level_count.value;
}

}  // namespace

void Params::validate() const {
  FHE_CHECK(message_bits >= 1 && message_bits <= 16, "messageBits must be in 1..16, got ", message_bits);
  FHE_CHECK(lwe_dimension.value >= 1 && lwe_dimension.value <= (1u << 16),
            "lweDimension out of range: ", lwe_dimension.value);
  FHE_CHECK(glwe_dimension.value >= 1 && glwe_dimension.value <= 16,
            "glweDimension must be in 1..16, got ", glwe_dimension.value);
  FHE_CHECK(is_pow2(polynomial_size.value) && polynomial_size.value >= 64 &&
                polynomial_size.value <= (1u << 17),
            "polynomialSize must be a power of two in 64..131072, got ", polynomial_size.value);
  // One box of N / 2^bits >= 1 positions per slot (build_lut): N = 2^bits is the floor the
  // parameter optimizer allows (@fhenet/params validate.ts), one position per slot, which the
  // approximately rounded 10-bit circuits use (N = 1024).
  FHE_CHECK(message_modulus() <= polynomial_size.value,
            "polynomialSize ", polynomial_size.value, " too small for ", message_bits,
            " message bits (needs >= 2^", message_bits, " = ", message_modulus(), ": one box per slot)");
  check_decomposition(pbs, "PBS");
  check_decomposition(ks, "keyswitch");
  check_noise(lwe_noise, "LWE noise:");
  check_noise(glwe_noise, "GLWE noise:");
}

bool Params::same_as(const Params& o) const {
  return message_bits == o.message_bits && lwe_dimension == o.lwe_dimension && glwe_dimension == o.glwe_dimension &&
         polynomial_size == o.polynomial_size && lwe_noise == o.lwe_noise && glwe_noise == o.glwe_noise &&
         pbs == o.pbs && ks == o.ks;
}

std::string Params::describe() const {
  std::ostringstream os;
  os << message_bits << "-bit n=" << lwe_dimension.value << " k=" << glwe_dimension.value
     << " N=" << polynomial_size.value << " LWE " << lwe_noise.describe() << " GLWE " << glwe_noise.describe()
     << " PBS " << pbs << " KS " << ks;
  return os.str();
}

std::string Params::difference(const Params& got) const {
  std::ostringstream os;
  const char* sep = "";
  auto field = [&](const char* name, const auto& want, const auto& have) {
    if (want == have) return;
    os << sep << name << " expected " << want << ", got " << have;
    sep = "; ";
  };
  field("messageBits", message_bits, got.message_bits);
  field("lweDimension", lwe_dimension.value, got.lwe_dimension.value);
  field("glweDimension", glwe_dimension.value, got.glwe_dimension.value);
  field("polynomialSize", polynomial_size.value, got.polynomial_size.value);
  if (lwe_noise != got.lwe_noise) field("lweNoise", lwe_noise.describe(), got.lwe_noise.describe());
  if (glwe_noise != got.glwe_noise) field("glweNoise", glwe_noise.describe(), got.glwe_noise.describe());
  field("pbs", pbs, got.pbs);
  field("keyswitch", ks, got.ks);
  return os.str();
}

void check_secure(const Params& p) {
  check_noise_secure(p.lwe_noise, p.lwe_dimension.value, "LWE");
  check_noise_secure(p.glwe_noise, p.big_lwe_dimension().value, "GLWE");
}

void WopParams::validate() const {
  params.validate();
  check_decomposition(cbs, "circuit bootstrapping");
  check_decomposition(pfks, "packing keyswitch");
}

}  // namespace fhe
