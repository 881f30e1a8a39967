#include "algorithms/tfhers_format.h"

#include <cstring>

namespace fhe::tfhers {

namespace {

// Bounded bincode reader: every read names its field, so an error says what was being read,
// where, and what was expected.
class Reader {
 public:
  Reader(const u8* src, size_t len, const char* object) : p_(src), len_(len), object_(object) {}

  u64 u64_(const char* field) {
    need(8, field);
    u64 v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p_[pos_ + size_t(i)];
    pos_ += 8;
    return v;
  }
  u64 peek_u64(const char* field) {
    const u64 v = u64_(field);
    pos_ -= 8;
    return v;
  }
  u32 u32_(const char* field) {
    need(4, field);
    u32 v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | p_[pos_ + size_t(i)];
    pos_ += 4;
    return v;
  }
  u128 u128_(const char* field) {
    const u64 lo = u64_(field);
    const u64 hi = u64_(field);
    return (u128(hi) << 64) | lo;
  }
  void bytes(u8* out, size_t n, const char* field) {
    need(n, field);
    std::memcpy(out, p_ + pos_, n);
    pos_ += n;
  }
  void expect_u64(const char* field, u64 expected, const char* why = "") {
    const size_t at = pos_;
    const u64 got = u64_(field);
    if (got != expected)
      fail(object_, ": field ", field, " at byte ", at, ": expected ", expected, why, ", got ", got);
  }
  u32 variant(const char* field, u32 count, const char* const* names) {
    const size_t at = pos_;
    const u32 v = u32_(field);
    if (v >= count) {
      std::string known;
      for (u32 i = 0; i < count; ++i) known += (i ? ", " : "") + std::to_string(i) + " " + names[i];
      fail(object_, ": field ", field, " at byte ", at, ": unknown enum variant ", v, " (known: ", known,
           "); was this written by a tfhe-rs version other than 1.6-1.7?");
    }
    return v;
  }
  // u64 length prefix then `expected` u64 values (a Vec<u64>).
  U64Array u64_vec(const char* field, u64 expected_len) {
    const size_t at = pos_;
    const u64 n = u64_(field);
    if (n != expected_len)
      fail(object_, ": field ", field, " at byte ", at, ": length expected ", expected_len,
           " (from the parameters), got ", n);
    need(size_t(n) * 8, field);
    U64Array a{p_ + pos_, size_t(n)};
    pos_ += size_t(n) * 8;
    return a;
  }
  void end() {
    if (pos_ != len_) fail(object_, ": ", len_ - pos_, " unexpected trailing bytes after byte ", pos_);
  }
  [[noreturn]] void bad(const char* field, size_t at, const std::string& what) {
    fail(object_, ": field ", field, " at byte ", at, ": ", what);
  }
  size_t pos() const { return pos_; }
  const char* object() const { return object_; }

 private:
  void need(size_t n, const char* field) {
    if (len_ - pos_ < n)
      fail("truncated ", object_, ": field ", field, " needs ", n, " bytes at byte ", pos_, ", only ", len_ - pos_,
           " left (total ", len_, ")");
  }
  const u8* p_;
  size_t len_;
  size_t pos_ = 0;
  const char* object_;
};

// CiphertextModulus serializes as { modulus: u128, scalar_bits: usize }; 0 means 2^64.
void read_native_modulus(Reader& r, const char* field) {
  const size_t at = r.pos();
  const u128 m = r.u128_(field);
  if (m != 0) r.bad(field, at, "only the native modulus 2^64 is supported (modulus_power_of_2_exponent 64), got a custom modulus");
  r.expect_u64(field, 64, " scalar bits");
}

CompressionSeed read_seed(Reader& r, const char* field) {
  static const char* const kinds[] = {"Ctr", "Xof"};
  const size_t at = r.pos();
  if (r.variant(field, 2, kinds) != 0)
    r.bad(field, at, "XofSeed compression seeds are not supported (only SeedKind::Ctr, what node-tfhe 1.7 writes)");
  CompressionSeed s;
  r.bytes(s.key, 16, field);
  s.first.aes_index = r.u128_(field);
  const size_t bat = r.pos();
  const u64 b = r.u64_(field);
  if (b >= kBytesPerAesCall) r.bad(field, bat, "byte index must be < 16, got " + std::to_string(b));
  s.first.byte_index = unsigned(b);
  return s;
}

void check_moduli(Reader& r, const ShortintMeta& m, const Params& p, size_t at) {
  if (m.message_modulus != p.message_modulus())
    r.bad("message_modulus", at, "expected " + std::to_string(p.message_modulus()) + " (2^" +
                                     std::to_string(p.message_bits) + " from the circuit), got " +
                                     std::to_string(m.message_modulus));
  if (m.carry_modulus != 1)
    r.bad("carry_modulus", at + 8, "expected 1 (fhenet circuits use no carry space), got " + std::to_string(m.carry_modulus));
}

// AtomicPatternKind::Standard(PBSOrder::KeyswitchBootstrap) is the only pattern we compute with.
void read_atomic_pattern(Reader& r) {
  static const char* const aps[] = {"Standard", "KeySwitch32"};
  static const char* const orders[] = {"KeyswitchBootstrap", "BootstrapKeyswitch"};
  const size_t at = r.pos();
  if (r.variant("atomic_pattern", 2, aps) != 0) r.bad("atomic_pattern", at, "only the Standard atomic pattern is supported");
  const size_t at2 = r.pos();
  if (r.variant("atomic_pattern.pbs_order", 2, orders) != 0)
    r.bad("atomic_pattern.pbs_order", at2, "only KeyswitchBootstrap (EncryptionKeyChoice.Big) is supported");
}

void check_meta(Reader& r, const ShortintMeta& m, const Params& p, size_t degree_at, size_t noise_at) {
  if (m.degree >= p.message_modulus())
    r.bad("degree", degree_at, "expected <= " + std::to_string(p.message_modulus() - 1) + ", got " + std::to_string(m.degree));
  if (m.noise_level > 1)
    r.bad("noise_level", noise_at, "expected a fresh ciphertext (noise level <= 1), got " + std::to_string(m.noise_level));
}

void check_lwe_size(Reader& r, u64 got, const Params& p, size_t at) {
  const u64 big = p.big_lwe_dimension().value + 1, small = p.lwe_dimension.value + 1;
  if (got == big) return;
  if (got == small)
    r.bad("lwe_size", at, "the ciphertext is under the small LWE key (size " + std::to_string(small) +
                              "): encrypt with EncryptionKeyChoice.Big (size k*N+1 = " + std::to_string(big) + ")");
  r.bad("lwe_size", at, "expected k*N+1 = " + std::to_string(big) + ", got " + std::to_string(got));
}

}  // namespace

u64 U64Array::at(size_t i) const {
  u64 v = 0;
  for (int b = 7; b >= 0; --b) v = (v << 8) | bytes[8 * i + size_t(b)];
  return v;
}

void U64Array::copy_to(u64* out, size_t start, size_t n) const {
  std::memcpy(out, bytes + 8 * start, 8 * n);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (size_t i = 0; i < n; ++i) out[i] = __builtin_bswap64(out[i]);
#endif
}

CiphertextView parse_ciphertext(const u8* src, size_t len, const Params& p) {
  Reader r(src, len, "tfhe-rs shortint Ciphertext");
  CiphertextView v;
  // Peek at the length first so that a small-key ciphertext gets its own message.
  check_lwe_size(r, r.peek_u64("ct.data length"), p, r.pos());
  v.data = r.u64_vec("ct.data", p.big_lwe_dimension().value + 1);
  read_native_modulus(r, "ct.ciphertext_modulus");
  const size_t degree_at = r.pos();
  v.meta.degree = r.u64_("degree");
  const size_t noise_at = r.pos();
  v.meta.noise_level = r.u64_("noise_level");
  const size_t mod_at = r.pos();
  v.meta.message_modulus = r.u64_("message_modulus");
  v.meta.carry_modulus = r.u64_("carry_modulus");
  check_moduli(r, v.meta, p, mod_at);
  read_atomic_pattern(r);
  r.end();
  check_meta(r, v.meta, p, degree_at, noise_at);
  return v;
}

CompressedCiphertextView parse_compressed_ciphertext(const u8* src, size_t len, const Params& p) {
  Reader r(src, len, "tfhe-rs shortint CompressedCiphertext");
  CompressedCiphertextView v;
  v.body = r.u64_("ct.data (body)");
  const size_t at = r.pos();
  v.lwe_size = size_t(r.u64_("ct.lwe_size"));
  check_lwe_size(r, v.lwe_size, p, at);
  v.seed = read_seed(r, "ct.compression_seed");
  read_native_modulus(r, "ct.ciphertext_modulus");
  const size_t degree_at = r.pos();
  v.meta.degree = r.u64_("degree");
  const size_t mod_at = r.pos();
  v.meta.message_modulus = r.u64_("message_modulus");
  v.meta.carry_modulus = r.u64_("carry_modulus");
  check_moduli(r, v.meta, p, mod_at);
  read_atomic_pattern(r);
  const size_t noise_at = r.pos();
  v.meta.noise_level = r.u64_("noise_level");
  r.end();
  check_meta(r, v.meta, p, degree_at, noise_at);
  return v;
}

CompressedServerKeyView parse_compressed_server_key(const u8* src, size_t len, const Params& p) {
  Reader r(src, len, "tfhe-rs shortint CompressedServerKey");
  const KeyLayout L(p);
  CompressedServerKeyView v;
  static const char* const aps[] = {"Standard", "KeySwitch32"};
  size_t at = r.pos();
  if (r.variant("compressed_ap_server_key", 2, aps) != 0)
    r.bad("compressed_ap_server_key", at, "only the Standard atomic pattern is supported");
  // SeededLweKeyswitchKey { data, decomp_base_log, decomp_level_count, output_lwe_size, seed, modulus }
  v.ksk_bodies = r.u64_vec("key_switching_key.data", u64(L.big) * L.l_ks);
  r.expect_u64("key_switching_key.decomp_base_log", p.ks.base_log.value, " (keyswitch base log)");
  r.expect_u64("key_switching_key.decomp_level_count", p.ks.level_count.value, " (keyswitch levels)");
  r.expect_u64("key_switching_key.output_lwe_size", L.n + 1, " (n+1)");
  v.ksk_seed = read_seed(r, "key_switching_key.compression_seed");
  read_native_modulus(r, "key_switching_key.ciphertext_modulus");
  // ShortintCompressedBootstrappingKey::Classic { bsk: SeededLweBootstrapKey, modulus_switch_noise_reduction_key }
  static const char* const bsks[] = {"Classic", "MultiBit"};
  at = r.pos();
  if (r.variant("bootstrapping_key", 2, bsks) != 0)
    r.bad("bootstrapping_key", at, "multi-bit bootstrapping keys are not supported (Classic only)");
  v.bsk_bodies = r.u64_vec("bootstrapping_key.bsk.data", u64(L.n) * L.ggsw_rows() * L.N);
  r.expect_u64("bootstrapping_key.bsk.glwe_size", L.k + 1, " (k+1)");
  r.expect_u64("bootstrapping_key.bsk.polynomial_size", L.N);
  r.expect_u64("bootstrapping_key.bsk.decomp_base_log", p.pbs.base_log.value, " (PBS base log)");
  r.expect_u64("bootstrapping_key.bsk.decomp_level_count", p.pbs.level_count.value, " (PBS levels)");
  v.bsk_seed = read_seed(r, "bootstrapping_key.bsk.compression_seed");
  read_native_modulus(r, "bootstrapping_key.bsk.ciphertext_modulus");
  static const char* const ms[] = {"Standard", "DriftTechniqueNoiseReduction", "CenteredMeanNoiseReduction"};
  at = r.pos();
  v.modulus_switch = ModulusSwitch(r.variant("bootstrapping_key.modulus_switch_noise_reduction_key", 3, ms));
  if (v.modulus_switch == ModulusSwitch::DriftTechniqueNoiseReduction)
    r.bad("bootstrapping_key.modulus_switch_noise_reduction_key", at,
          "the drift-technique modulus switch key is not supported (use parameters without it)");
  static const char* const orders[] = {"KeyswitchBootstrap", "BootstrapKeyswitch"};
  at = r.pos();
  if (r.variant("pbs_order", 2, orders) != 0)
    r.bad("pbs_order", at, "only KeyswitchBootstrap (EncryptionKeyChoice.Big) is supported");
  ShortintMeta m;
  const size_t mod_at = r.pos();
  m.message_modulus = r.u64_("message_modulus");
  m.carry_modulus = r.u64_("carry_modulus");
  check_moduli(r, m, p, mod_at);
  v.max_degree = r.u64_("max_degree");
  v.max_noise_level = r.u64_("max_noise_level");
  r.end();
  return v;
}

size_t ciphertext_size(const Params& p) {
  // Vec len + data + modulus (u128 + usize) + degree, noise level, message, carry + 2 tags.
  return 8 + 8 * (p.big_lwe_dimension().value + 1) + 24 + 32 + 8;
}

ShortintMeta output_meta(const Params& p) {
  ShortintMeta m;
  m.degree = 2 * p.message_modulus() - 1;
  m.noise_level = 1;  // NoiseLevel::NOMINAL, what tfhe-rs sets after a PBS
  m.message_modulus = 2 * p.message_modulus();
  m.carry_modulus = 1;
  return m;
}

void write_ciphertext(const Torus* ct, const Params& p, const ShortintMeta& meta, u8* dst, size_t len) {
  FHE_CHECK(len == ciphertext_size(p), "tfhe-rs ciphertext buffer: expected ", ciphertext_size(p), " bytes, got ", len);
  size_t pos = 0;
  auto put64 = [&](u64 v) { for (int i = 0; i < 8; ++i) dst[pos++] = u8(v >> (8 * i)); };
  auto put32 = [&](u32 v) { for (int i = 0; i < 4; ++i) dst[pos++] = u8(v >> (8 * i)); };
  const size_t size = p.big_lwe_dimension().value + 1;
  put64(size);
  for (size_t i = 0; i < size; ++i) put64(ct[i]);
  put64(0); put64(0);  // modulus u128 = 0: native 2^64
  put64(64);           // scalar bits
  put64(meta.degree);
  put64(meta.noise_level);
  put64(meta.message_modulus);
  put64(meta.carry_modulus);
  put32(0);  // AtomicPatternKind::Standard
  put32(0);  // PBSOrder::KeyswitchBootstrap
}

}  // namespace fhe::tfhers
