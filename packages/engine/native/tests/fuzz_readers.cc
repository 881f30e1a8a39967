// A short mutation fuzz of every native reader of untrusted bytes: our key, ciphertext and packing
// key formats (algorithms/serialization.h) and the tfhe-rs formats (algorithms/tfhers_*.h). Each
// starts from a valid object and applies random bit flips, byte and word overwrites (lengths,
// counts, enum tags, parameters), truncations, insertions and extensions; our formats are re-sealed
// with a valid checksum half of the time so that mutations reach the checks behind it. Every
// mutated input must be either accepted or refused with an EngineError: anything else (another
// exception type, e.g. an allocation sized by an unchecked length, or a sanitizer report) fails.
#include <cstring>
#include <functional>
#include <map>

#include "algorithms/lwe_encryption.h"
#include "algorithms/lwe_packing_keyswitch_key_generation.h"
#include "algorithms/serialization.h"
#include "algorithms/tfhers_keys.h"
#include "tests/fixtures.h"
#include "tests/harness.h"

namespace fhe::testing {
namespace {

using Bytes = std::vector<u8>;

void put_u64(Bytes& b, size_t at, u64 v) {
  for (int i = 0; i < 8; ++i) b[at + i] = u8(v >> (8 * i));
}

// Byte ranges [first, second) where lengths, kinds, tags and parameters sit: half of the
// mutations aim there (the rest anywhere), so that a few hundred cases reach every field.
using Regions = std::vector<std::pair<size_t, size_t>>;

// One random mutation.
void mutate(Bytes& b, Rng& rng, const Regions& hot) {
  auto offset = [&]() -> size_t {
    if (b.empty()) return 0;
    if (!hot.empty() && rng.below(2)) {
      const auto& [lo, hi] = hot[rng.below(hot.size())];
      const size_t a = std::min(lo, b.size() - 1), z = std::min(std::max(hi, a + 1), b.size());
      return a + rng.below(z - a);
    }
    return rng.below(b.size());
  };
  switch (rng.below(6)) {
    case 0:
      for (u64 i = 0, flips = 1 + rng.below(8); i < flips && !b.empty(); ++i) b[offset()] ^= u8(1u << rng.below(8));
      break;
    case 1:
      if (!b.empty()) b[offset()] = u8(rng.next());
      break;
    case 2: {
      if (b.size() < 8) break;
      const u64 interesting[] = {0, 1, 2, 3, 0xff, 0xffffffffull, 1ull << 32, 1ull << 62, 1ull << 63, ~0ull, ~0ull - 7,
                                 u64(b.size()), u64(b.size() / 8), u64(b.size() / 8 + 1), rng.next()};
      put_u64(b, std::min(offset(), b.size() - 8), interesting[rng.below(sizeof interesting / sizeof interesting[0])]);
      break;
    }
    case 3:
      b.resize(rng.below(b.size() + 1));
      break;
    case 4:
      for (u64 i = 0, n = 1 + rng.below(64); i < n; ++i) b.push_back(u8(rng.next()));
      break;
    case 5: {
      const size_t at = offset(), n = 1 + rng.below(16);
      if (rng.below(2) && at + n <= b.size()) b.erase(b.begin() + long(at), b.begin() + long(at + n));
      else for (size_t i = 0; i < n; ++i) b.insert(b.begin() + long(std::min(at, b.size())), u8(rng.next()));
      break;
    }
  }
}

struct Outcome {
  size_t accepted = 0, refused = 0, past_checksum = 0;
  std::map<std::string, size_t> reasons;  // refusal messages without their numbers, for the log
};

// Runs `read` on `iterations` mutations of `valid`. `sealed`: the format ends with our checksum.
Outcome fuzz(const char* name, const Bytes& valid, size_t iterations, bool sealed, const Regions& hot,
             const std::function<void(const u8*, size_t)>& read) {
  Rng rng(std::hash<std::string>{}(name));
  Outcome o;
  read(valid.data(), valid.size());  // the unmutated object must be accepted
  iterations *= env_count("FHENET_FUZZ_ITERATIONS", 1);
  for (size_t it = 0; it < iterations; ++it) {
    Bytes b = valid;
    for (u64 m = 0, count = 1 + rng.below(3); m < count; ++m) mutate(b, rng, hot);
    if (sealed && b.size() >= 8 && rng.below(2)) put_u64(b, b.size() - 8, format_checksum(b.data(), b.size() - 8));
    try {
      read(b.data(), b.size());
      ++o.accepted;
    } catch (const EngineError& e) {
      ++o.refused;
      const std::string msg = e.what();
      if (msg.find("checksum") == std::string::npos) ++o.past_checksum;
      std::string kind;  // the message without its numbers: one entry per check that fired
      for (char c : msg) if (!(c >= '0' && c <= '9') && kind.size() < 90) kind += c;
      o.reasons[kind]++;
    } catch (const std::exception& e) {
      record_failure(__FILE__, __LINE__,
                     std::string(name) + ": mutation " + std::to_string(it) + " threw a non-EngineError: " + e.what());
    }
  }
  std::printf("  fuzz %-34s %5zu cases: %5zu accepted, %5zu refused (%zu past the checksum), %zu kinds of refusal\n",
              name, iterations, o.accepted, o.refused, o.past_checksum, o.reasons.size());
  EXPECT(o.refused > iterations / 2, name, ": only ", o.refused, " of ", iterations, " mutations refused");
  if (sealed) EXPECT(o.past_checksum > iterations / 10, name, ": mutations rarely got past the checksum");
  return o;
}

TEST_CASE("fuzz: our formats (client key, evaluation keys, seeded keys, ciphertexts, seeded packing keys)") {
  const Params p = params_k1();
  const KeySet ks = make_keys(p);
  Fingerprint fp;
  for (int i = 0; i < 32; ++i) fp.bytes[i] = u8(3 * i + 1);
  const std::vector<i64> msgs = {0, 1, 2, 3, 1, 2};
  auto ct = encrypt_big(*ks.client, msgs.data(), msgs.size());
  auto bytes_of = [&](const auto& obj, auto... extra) {
    Bytes out(serialized_size(obj));
    serialize(obj, extra..., fp, out.data(), out.size());
    return out;
  };
  // Header (112 bytes) and the lengths after it; the checksum at the end.
  auto ours = [](const Bytes& b) { return Regions{{0, 176}, {b.size() - 16, b.size()}}; };
  const Bytes ck_bytes = bytes_of(*ks.client), ct_bytes = bytes_of(*ct, p), sk_bytes = bytes_of(*ks.seeded),
              ek_bytes = bytes_of(*ks.keys);
  fuzz("client key", ck_bytes, 3000, true, ours(ck_bytes),
       [&](const u8* d, size_t n) { deserialize_client_key(d, n, p, fp); });
  fuzz("ciphertext batch", ct_bytes, 3000, true, ours(ct_bytes),
       [&](const u8* d, size_t n) { deserialize_ciphertexts(d, n, p, fp); });
  fuzz("seeded evaluation keys", sk_bytes, 300, true, ours(sk_bytes),
       [&](const u8* d, size_t n) { deserialize_seeded_keys(d, n, p, fp); });
  fuzz("evaluation keys", ek_bytes, 60, true, ours(ek_bytes),
       [&](const u8* d, size_t n) { deserialize_evaluation_keys(d, n, p, fp); });
  WopParams w;
  w.params = p;
  w.cbs = dec(5, 4);
  w.pfks = dec(17, 2);
  auto seeded_pfks = generate_pfks_seeded(*ks.client, w);
  const Bytes pk_bytes = bytes_of(*seeded_pfks);
  fuzz("seeded packing keyswitching keys", pk_bytes, 100, true, ours(pk_bytes),
       [&](const u8* d, size_t n) { deserialize_seeded_packing_keys(d, n, w, fp); });
}

// bincode 1 as node-tfhe 1.7 writes it (docs/tfhe-rs-formats.md): little-endian, u64 lengths,
// u32 enum tags.
struct Bincode {
  Bytes b;
  Bincode& u64v(u64 v) {
    for (int i = 0; i < 8; ++i) b.push_back(u8(v >> (8 * i)));
    return *this;
  }
  Bincode& u32v(u32 v) {
    for (int i = 0; i < 4; ++i) b.push_back(u8(v >> (8 * i)));
    return *this;
  }
  Bincode& seed(Rng& rng) {  // CompressionSeed { SeedKind::Ctr(u128), first_index: (u128, byte) }
    u32v(0);
    u64v(rng.next()).u64v(rng.next());
    u64v(rng.below(1000)).u64v(0);
    return u64v(rng.below(16));
  }
  Bincode& native_modulus() { return u64v(0).u64v(0).u64v(64); }
  Bincode& vec(const std::vector<u64>& v) {
    u64v(v.size());
    for (u64 x : v) u64v(x);
    return *this;
  }
};

TEST_CASE("fuzz: tfhe-rs formats (Ciphertext, CompressedCiphertext, CompressedServerKey)") {
  const Params p = params_k1();
  const KeyLayout L(p);
  Rng rng(7);
  auto ck = generate_client_key(p);
  const std::vector<i64> msgs = {3};
  auto ct = encrypt_big(*ck, msgs.data(), msgs.size());
  const std::vector<std::vector<u8>> written = tfhers::write_ciphertexts(*ct, p);
  EXPECT(written.size() == 1);
  // Our writer's output is a valid node-tfhe Ciphertext (message modulus 2p in its metadata) for
  // the set with one more message bit; read it back with that set.
  Params p2 = p;
  p2.message_bits += 1;
  {
    auto back = tfhers::read_ciphertexts({{written[0].data(), written[0].size()}}, p2, false);
    EXPECT(std::memcmp(back->ct(0), ct->ct(0), ct->stride() * 8) == 0, "tfhe-rs Ciphertext round trip");
  }
  fuzz("tfhe-rs Ciphertext", written[0], 3000, false, {{0, 16}, {written[0].size() - 72, written[0].size()}}, [&](const u8* d, size_t n) {
    tfhers::read_ciphertexts({{d, n}}, p2, false);
  });

  Bincode cc;  // CompressedCiphertext: body, lwe_size, seed, modulus, degree, message/carry modulus, AP, noise level
  cc.u64v(rng.next()).u64v(L.big + 1).seed(rng).native_modulus();
  cc.u64v(1).u64v(p.message_modulus()).u64v(1).u32v(0).u32v(0).u64v(1);
  {
    auto batch = tfhers::read_ciphertexts({{cc.b.data(), cc.b.size()}}, p, true);
    const Bytes full = tfhers::decompress_ciphertext_bytes(cc.b.data(), cc.b.size(), p);
    auto again = tfhers::read_ciphertexts({{full.data(), full.size()}}, p, false);
    EXPECT(std::memcmp(batch->ct(0), again->ct(0), batch->stride() * 8) == 0, "decompressed = read compressed");
  }
  fuzz("tfhe-rs CompressedCiphertext", cc.b, 3000, false, {{0, cc.b.size()}}, [&](const u8* d, size_t n) {
    tfhers::read_ciphertexts({{d, n}}, p, true);
    tfhers::decompress_ciphertext_bytes(d, n, p);
  });

  Bincode sk;  // CompressedServerKey (Standard atomic pattern, Classic bootstrapping key)
  std::vector<u64> ksk_bodies(L.big * L.l_ks), bsk_bodies(L.n * L.ggsw_rows() * L.N);
  for (u64& x : ksk_bodies) x = rng.next();
  for (u64& x : bsk_bodies) x = rng.next();
  sk.u32v(0).vec(ksk_bodies).u64v(p.ks.base_log.value).u64v(p.ks.level_count.value).u64v(L.n + 1).seed(rng).native_modulus();
  sk.u32v(0).vec(bsk_bodies).u64v(L.k + 1).u64v(L.N).u64v(p.pbs.base_log.value).u64v(p.pbs.level_count.value);
  sk.seed(rng).native_modulus().u32v(2).u32v(0);  // centered modulus switch, KeyswitchBootstrap
  sk.u64v(p.message_modulus()).u64v(1).u64v(p.message_modulus() - 1).u64v(1);
  EXPECT(tfhers::expand_server_key(sk.b.data(), sk.b.size(), p) != nullptr);
  // Tags, lengths and decompositions sit before the KSK bodies, between the two body arrays and
  // after the BSK bodies.
  // After the KSK bodies: 3 u64, the seed (44 bytes), the modulus (24), the BSK tag and length.
  const size_t ksk_end = 4 + 8 + ksk_bodies.size() * 8, bsk_start = ksk_end + 24 + 44 + 24 + 4 + 8;
  const Regions hot = {{0, 16}, {ksk_end, bsk_start}, {bsk_start + bsk_bodies.size() * 8 - 8, sk.b.size()}};
  size_t parsed = 0;
  fuzz("tfhe-rs CompressedServerKey", sk.b, 300, false, hot, [&](const u8* d, size_t n) {
    tfhers::parse_compressed_server_key(d, n, p);
    if (++parsed % 10 == 0) tfhers::expand_server_key(d, n, p);  // and the expansion of what parses
  });
}

}  // namespace
}  // namespace fhe::testing
