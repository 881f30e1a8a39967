#include "algorithms/serialization.h"

#include <cmath>
#include <cstring>

namespace fhe {

namespace {

constexpr u8 kMagic[8] = {'F', 'H', 'E', 'N', 'E', 'T', 'K', 'C'};
// magic 8 + version 2 + kind 2 + flags 4 + fingerprint 32 + params 64
constexpr size_t kHeaderLen = 8 + 2 + 2 + 4 + 32 + 64;
constexpr size_t kChecksumLen = 8;

const char* kind_name(uint16_t k) {
  switch (k) {
    case 1: return "client key";
    case 2: return "evaluation keys";
    case 3: return "seeded evaluation keys";
    case 4: return "ciphertext batch";
    case 5: return "seeded packing keyswitching keys";
    default: return "unknown object";
  }
}

}  // namespace

// Word-wise 64-bit checksum (multiply-rotate mixing): detects corruption at memory speed, even over
// gigabytes of key material. Not a MAC: integrity against accidents, not adversaries.
u64 format_checksum(const u8* p, size_t len) {
  u64 h = 0x9e3779b97f4a7c15ull ^ len;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    u64 w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  for (; i < len; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 32);
}

namespace {

class Writer {
 public:
  Writer(u8* dst, size_t len) : p_(dst), len_(len) {}
  void bytes(const void* src, size_t n) {
    FHE_CHECK(at_ + n <= len_, "internal: serialization buffer too small");
    std::memcpy(p_ + at_, src, n);
    at_ += n;
  }
  template <typename T> void put(T v) { bytes(&v, sizeof v); }  // little-endian hosts (x86-64)
  void finish() {
    put<u64>(format_checksum(p_, at_));
    FHE_CHECK(at_ == len_, "internal: serialized ", at_, " bytes, expected ", len_);
  }

 private:
  u8* p_;
  size_t len_, at_ = 0;
};

class Reader {
 public:
  Reader(const u8* src, size_t len, const char* what) : p_(src), len_(len), what_(what) {}
  void bytes(void* dst, size_t n) {
    need(n);
    std::memcpy(dst, p_ + at_, n);
    at_ += n;
  }
  template <typename T> T get() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  const u8* take(size_t n) {
    need(n);
    const u8* r = p_ + at_;
    at_ += n;
    return r;
  }
  void need(size_t n) const {
    FHE_CHECK(n <= len_ - at_, "truncated ", what_, ": need ", n, " more bytes at offset ", at_, ", only ",
              len_ - at_, " left");
  }
  size_t at() const { return at_; }

 private:
  const u8* p_;
  size_t len_, at_ = 0;
  const char* what_;
};

void write_params(Writer& w, const Params& p) {
  w.put<u32>(p.message_bits);
  w.put<u32>(u32(p.lwe_dimension.value));
  w.put<u32>(u32(p.glwe_dimension.value));
  w.put<u32>(u32(p.polynomial_size.value));
  w.put<u32>(u32(p.pbs.base_log.value));
  w.put<u32>(u32(p.pbs.level_count.value));
  w.put<u32>(u32(p.ks.base_log.value));
  w.put<u32>(u32(p.ks.level_count.value));
  for (const NoiseDistribution* nd : {&p.lwe_noise, &p.glwe_noise}) {
    w.put<u32>(u32(nd->kind));
    w.put<u32>(nd->bound_log2);
    w.put<double>(nd->kind == NoiseDistribution::Gaussian ? nd->std_dev : 0.0);
  }
}

Params read_params(Reader& r) {
  Params p;
  p.message_bits = r.get<u32>();
  p.lwe_dimension = LweDimension(r.get<u32>());
  p.glwe_dimension = GlweDimension(r.get<u32>());
  p.polynomial_size = PolynomialSize(r.get<u32>());
  p.pbs.base_log = DecompositionBaseLog(r.get<u32>());
  p.pbs.level_count = DecompositionLevelCount(r.get<u32>());
  p.ks.base_log = DecompositionBaseLog(r.get<u32>());
  p.ks.level_count = DecompositionLevelCount(r.get<u32>());
  for (NoiseDistribution* nd : {&p.lwe_noise, &p.glwe_noise}) {
    const u32 kind = r.get<u32>();
    FHE_CHECK(kind <= 1, "corrupt header: unknown noise kind ", kind);
    nd->kind = NoiseDistribution::Kind(kind);
    nd->bound_log2 = r.get<u32>();
    nd->std_dev = r.get<double>();
    nd->std_dev_log2 = kind == NoiseDistribution::Gaussian ? std::log2(nd->std_dev) : 0.0;
  }
  return p;
}

void write_header(Writer& w, ObjectKind kind, const Params& p, const Fingerprint& fp) {
  w.bytes(kMagic, 8);
  w.put<uint16_t>(kFormatVersion);
  w.put<uint16_t>(uint16_t(kind));
  w.put<u32>(0);
  w.bytes(fp.bytes, 32);
  write_params(w, p);
}

// Validates magic, version, kind, checksum, fingerprint and parameters; leaves r after the header.
void read_header(Reader& r, const u8* src, size_t len, ObjectKind kind, const Params& expect, const Fingerprint& fp) {
  const char* what = kind_name(uint16_t(kind));
  FHE_CHECK(len >= kHeaderLen + kChecksumLen, "truncated ", what, ": ", len, " bytes is shorter than the ",
            kHeaderLen + kChecksumLen, "-byte header and checksum");
  u8 magic[8];
  r.bytes(magic, 8);
  FHE_CHECK(std::memcmp(magic, kMagic, 8) == 0, "not an fhenet ", what, ": wrong magic bytes");
  const uint16_t version = r.get<uint16_t>();
  FHE_CHECK(version == kFormatVersion, "unsupported ", what, " format version: expected ", kFormatVersion, ", got ",
            version);
  const uint16_t got_kind = r.get<uint16_t>();
  FHE_CHECK(got_kind == uint16_t(kind), "wrong object kind: expected ", what, " (", uint16_t(kind), "), got ",
            kind_name(got_kind), " (", got_kind, ")");
  const u32 flags = r.get<u32>();
  FHE_CHECK(flags == 0, "corrupt ", what, " header: unknown flags ", flags);
  const u64 stored = [&] {
    u64 v;
    std::memcpy(&v, src + len - kChecksumLen, 8);
    return v;
  }();
  FHE_CHECK(stored == format_checksum(src, len - kChecksumLen), "corrupt ", what,
            ": checksum mismatch (data damaged or truncated)");
  Fingerprint got;
  r.bytes(got.bytes, 32);
  const Params p = read_params(r);
  FHE_CHECK(std::memcmp(got.bytes, fp.bytes, 32) == 0 && p.same_as(expect), what,
            " was made for other parameters: expected ", expect.describe(), ", got ", p.describe(),
            p.same_as(expect) ? " (same numbers, fingerprint differs)" : " (" + expect.difference(p) + ")");
}

void expect_len(Reader& r, size_t expected, const char* field, const char* what) {
  const u64 got = r.get<u64>();
  FHE_CHECK(got == expected, "invalid ", what, ": ", field, " expected ", expected, " (from the parameters), got ",
            got);
}

void expect_end(const Reader& r, size_t len, const char* what) {
  FHE_CHECK(r.at() + kChecksumLen == len, "invalid ", what, ": ", len - kChecksumLen - r.at(),
            " unexpected trailing bytes");
}

}  // namespace

size_t serialized_size(const ClientKey& k) {
  const KeyLayout L(k.params);
  return kHeaderLen + 16 + L.n + L.big + kChecksumLen;
}
size_t serialized_size(const EvaluationKeys& k) {
  const KeyLayout L(k.params);
  return kHeaderLen + 16 + L.fourier_bsk_len() * 8 + L.ksk_len() * 8 + kChecksumLen;
}
size_t serialized_size(const SeededEvaluationKeys& k) {
  const KeyLayout L(k.params);
  return kHeaderLen + 32 + 16 + L.bsk_body_len() * 8 + L.ksk_rows() * 8 + kChecksumLen;
}
size_t serialized_size(const LweCiphertextBatch& b) { return kHeaderLen + 16 + b.data.size() * 8 + kChecksumLen; }

void serialize(const ClientKey& k, const Fingerprint& fp, u8* dst, size_t len) {
  const KeyLayout L(k.params);
  Writer w(dst, len);
  write_header(w, ObjectKind::ClientKey, k.params, fp);
  w.put<u64>(L.n);
  w.put<u64>(L.big);
  for (size_t i = 0; i < L.n; ++i) w.put<u8>(u8(k.lwe_key[i]));
  for (size_t i = 0; i < L.big; ++i) w.put<u8>(u8(k.glwe_key[i]));
  w.finish();
}

void serialize(const EvaluationKeys& k, const Fingerprint& fp, u8* dst, size_t len) {
  const KeyLayout L(k.params);
  Writer w(dst, len);
  write_header(w, ObjectKind::EvaluationKeys, k.params, fp);
  w.put<u64>(L.fourier_bsk_len());
  w.put<u64>(L.ksk_len());
  {  // Files keep the polynomial-major GGSW layout (entities/fourier_ggsw_layout.h).
    const FourierGgswLayout G = L.fourier_ggsw_layout();
    AlignedBuffer<double> ggsw(L.fourier_ggsw_len());
    for (size_t i = 0; i < L.n; ++i) {
      G.to_polynomial_major(k.fourier_bsk.data() + i * L.fourier_ggsw_len(), ggsw.data());
      w.bytes(ggsw.data(), L.fourier_ggsw_len() * 8);
    }
  }
  // The 64-bit format: each stored word is the key's 32 bits shifted back to the top.
  for (size_t i = 0; i < L.ksk_len(); ++i) w.put<u64>(u64(k.ksk[i]) << 32);
  w.finish();
}

void serialize(const SeededEvaluationKeys& k, const Fingerprint& fp, u8* dst, size_t len) {
  const KeyLayout L(k.params);
  Writer w(dst, len);
  write_header(w, ObjectKind::SeededEvaluationKeys, k.params, fp);
  w.bytes(k.mask_seed.bytes, 32);
  w.put<u64>(L.bsk_body_len());
  w.put<u64>(L.ksk_rows());
  w.bytes(k.bsk_bodies.data(), L.bsk_body_len() * 8);
  w.bytes(k.ksk_bodies.data(), L.ksk_rows() * 8);
  w.finish();
}

void serialize(const LweCiphertextBatch& b, const Params& p, const Fingerprint& fp, u8* dst, size_t len) {
  Writer w(dst, len);
  write_header(w, ObjectKind::CiphertextBatch, p, fp);
  w.put<u64>(b.count);
  w.put<u64>(b.dimension.value);
  w.bytes(b.data.data(), b.data.size() * 8);
  w.finish();
}

std::unique_ptr<ClientKey> deserialize_client_key(const u8* src, size_t len, const Params& expect,
                                                  const Fingerprint& fp) {
  const char* what = "client key";
  Reader r(src, len, what);
  read_header(r, src, len, ObjectKind::ClientKey, expect, fp);
  const KeyLayout L(expect);
  expect_len(r, L.n, "LWE key length", what);
  expect_len(r, L.big, "GLWE key length", what);
  auto k = std::make_unique<ClientKey>();
  k->params = expect;
  k->lwe_key.resize(L.n);
  k->glwe_key.resize(L.big);
  const u8* bits = r.take(L.n + L.big);
  for (size_t i = 0; i < L.n + L.big; ++i) {
    // Position only: the key's bits are never echoed.
    FHE_CHECK(bits[i] <= 1, "invalid client key: key coefficient at position ", i, " is not binary");
    (i < L.n ? k->lwe_key[i] : k->glwe_key[i - L.n]) = bits[i];
  }
  expect_end(r, len, what);
  k->enc_mask_key = os_random_key();
  k->enc_noise_key = os_random_key();
  return k;
}

std::unique_ptr<EvaluationKeys> deserialize_evaluation_keys(const u8* src, size_t len, const Params& expect,
                                                            const Fingerprint& fp) {
  const char* what = "evaluation keys";
  Reader r(src, len, what);
  read_header(r, src, len, ObjectKind::EvaluationKeys, expect, fp);
  const KeyLayout L(expect);
  expect_len(r, L.fourier_bsk_len(), "Fourier bootstrapping key length", what);
  expect_len(r, L.ksk_len(), "keyswitching key length", what);
  r.need(L.fourier_bsk_len() * 8 + L.ksk_len() * 8);
  auto k = std::make_unique<EvaluationKeys>();
  k->params = expect;
  k->fourier_bsk.resize(L.fourier_bsk_len());
  k->ksk.resize(L.ksk_len());
  {  // Polynomial-major in the file, frequency-blocked in memory (entities/fourier_ggsw_layout.h).
    const FourierGgswLayout G = L.fourier_ggsw_layout();
    AlignedBuffer<double> ggsw(L.fourier_ggsw_len());
    for (size_t i = 0; i < L.n; ++i) {
      r.bytes(ggsw.data(), L.fourier_ggsw_len() * 8);
      G.from_polynomial_major(ggsw.data(), k->fourier_bsk.data() + i * L.fourier_ggsw_len());
    }
  }
  for (size_t i = 0; i < L.ksk_len(); ++i) k->ksk[i] = round_to_high32(r.get<u64>());
  expect_end(r, len, what);
  return k;
}

std::unique_ptr<SeededEvaluationKeys> deserialize_seeded_keys(const u8* src, size_t len, const Params& expect,
                                                              const Fingerprint& fp) {
  const char* what = "seeded evaluation keys";
  Reader r(src, len, what);
  read_header(r, src, len, ObjectKind::SeededEvaluationKeys, expect, fp);
  const KeyLayout L(expect);
  auto k = std::make_unique<SeededEvaluationKeys>();
  k->params = expect;
  r.bytes(k->mask_seed.bytes, 32);
  expect_len(r, L.bsk_body_len(), "bootstrapping key body length", what);
  expect_len(r, L.ksk_rows(), "keyswitching key body length", what);
  r.need(L.bsk_body_len() * 8 + L.ksk_rows() * 8);
  k->bsk_bodies.resize(L.bsk_body_len());
  k->ksk_bodies.resize(L.ksk_rows());
  r.bytes(k->bsk_bodies.data(), L.bsk_body_len() * 8);
  r.bytes(k->ksk_bodies.data(), L.ksk_rows() * 8);
  expect_end(r, len, what);
  return k;
}

std::unique_ptr<LweCiphertextBatch> deserialize_ciphertexts(const u8* src, size_t len, const Params& expect,
                                                            const Fingerprint& fp) {
  const char* what = "ciphertext batch";
  Reader r(src, len, what);
  read_header(r, src, len, ObjectKind::CiphertextBatch, expect, fp);
  const u64 count = r.get<u64>();
  const u64 dim = r.get<u64>();
  FHE_CHECK(dim == expect.big_lwe_dimension().value, "invalid ", what, ": LWE dimension expected ",
            expect.big_lwe_dimension().value, " (k*N), got ", dim);
  const size_t remaining = len - r.at() - kChecksumLen;
  FHE_CHECK(count <= remaining / 8 / (dim + 1) && count * (dim + 1) * 8 == remaining, "invalid ", what, ": header says ",
            count, " ciphertexts of ", (dim + 1) * 8, " bytes but the payload has ", remaining, " bytes");
  auto b = std::make_unique<LweCiphertextBatch>(LweDimension(dim), count);
  r.bytes(b->data.data(), count * (dim + 1) * 8);
  expect_end(r, len, what);
  return b;
}

size_t serialized_size(const SeededPackingKeys& k) {
  const PfksLayout L(k.wop);
  return kHeaderLen + 16 + 32 + 8 + L.rows() * L.N * 8 + kChecksumLen;
}

void serialize(const SeededPackingKeys& k, const Fingerprint& fp, u8* dst, size_t len) {
  const PfksLayout L(k.wop);
  Writer w(dst, len);
  write_header(w, ObjectKind::SeededPackingKeys, k.wop.params, fp);
  for (const Decomposition* d : {&k.wop.cbs, &k.wop.pfks}) {
    w.put<u32>(u32(d->base_log.value));
    w.put<u32>(u32(d->level_count.value));
  }
  w.bytes(k.mask_seed.bytes, 32);
  w.put<u64>(L.rows());
  w.bytes(k.bodies.data(), L.rows() * L.N * 8);
  w.finish();
}

std::unique_ptr<SeededPackingKeys> deserialize_seeded_packing_keys(const u8* src, size_t len, const WopParams& expect,
                                                                   const Fingerprint& fp) {
  const char* what = "seeded packing keyswitching keys";
  Reader r(src, len, what);
  read_header(r, src, len, ObjectKind::SeededPackingKeys, expect.params, fp);
  auto k = std::make_unique<SeededPackingKeys>();
  k->wop = expect;
  const char* names[2] = {"circuit bootstrapping", "packing keyswitch"};
  const Decomposition* want[2] = {&expect.cbs, &expect.pfks};
  for (int i = 0; i < 2; ++i) {
    const u32 b = r.get<u32>(), l = r.get<u32>();
    FHE_CHECK(b == want[i]->base_log.value && l == want[i]->level_count.value, what, " were made for another ",
              names[i], " decomposition: expected ", want[i]->base_log.value, "/", want[i]->level_count.value,
              ", got ", b, "/", l);
  }
  r.bytes(k->mask_seed.bytes, 32);
  const PfksLayout L(expect);
  expect_len(r, L.rows(), "row count", what);
  k->bodies.resize(L.rows() * L.N);
  r.bytes(k->bodies.data(), L.rows() * L.N * 8);
  expect_end(r, len, what);
  return k;
}

}  // namespace fhe
