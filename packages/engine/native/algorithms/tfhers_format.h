// tfhe-rs shortint objects as node-tfhe 1.7 serializes them (`Shortint.serialize_*`): plain
// bincode 1 of the serde structs (little-endian, u64 lengths and usize, u32 enum variant tags,
// u128 as 16 bytes), WITHOUT tfhe-versionable wrappers. Layouts: docs/tfhe-rs-formats.md.
//
// Readers check every field against the parameter set the server expects and every enum tag
// against the variants we know; anything else is an EngineError naming the object, the field, its
// byte offset, and expected vs got. Large arrays are returned as views into the caller's buffer.
#pragma once
#include "commons/tfhers_csprng.h"
#include "entities/key_layout.h"
#include "entities/parameters.h"

namespace fhe::tfhers {

// shortint metadata carried by every ciphertext.
struct ShortintMeta {
  u64 degree = 0;
  u64 noise_level = 0;
  u64 message_modulus = 0;
  u64 carry_modulus = 0;
};

// tfhe-rs CompressionSeed { AesCtrParams { SeedKind::Ctr(Seed(u128)), first_index: TableIndex } }.
struct CompressionSeed {
  u8 key[16];  // the u128 seed's little-endian bytes = the AES key
  TableIndex first;
  AesCtrGenerator generator() const { return AesCtrGenerator(key, first); }
};

// Little-endian u64 array inside a serialized buffer (possibly unaligned).
struct U64Array {
  const u8* bytes = nullptr;
  size_t count = 0;
  u64 at(size_t i) const;
  void copy_to(u64* out, size_t start, size_t n) const;
};

struct CiphertextView {
  U64Array data;  // [a_0 .. a_{K-1}, b]
  ShortintMeta meta;
};

struct CompressedCiphertextView {
  u64 body = 0;
  size_t lwe_size = 0;
  CompressionSeed seed;
  ShortintMeta meta;
};

enum class ModulusSwitch : u32 { Standard = 0, DriftTechniqueNoiseReduction = 1, CenteredMeanNoiseReduction = 2 };

struct CompressedServerKeyView {
  U64Array ksk_bodies;  // [input i < K][stored level j < l_ks], stored level j is level l_ks - j
  CompressionSeed ksk_seed;
  U64Array bsk_bodies;  // [ggsw i < n][stored level j < l][row r <= k][N], stored level j is level l - j
  CompressionSeed bsk_seed;
  ModulusSwitch modulus_switch = ModulusSwitch::Standard;
  u64 max_degree = 0, max_noise_level = 0;
};

CiphertextView parse_ciphertext(const u8* src, size_t len, const Params& expect);
CompressedCiphertextView parse_compressed_ciphertext(const u8* src, size_t len, const Params& expect);
CompressedServerKeyView parse_compressed_server_key(const u8* src, size_t len, const Params& expect);

// Serialized size of a shortint Ciphertext of these parameters, and the writer (ct: K+1 u64).
size_t ciphertext_size(const Params& p);
void write_ciphertext(const Torus* ct, const Params& p, const ShortintMeta& meta, u8* dst, size_t len);

// The metadata our server writes on its outputs. message_modulus is 2p (degree 2p - 1, carry
// modulus 1, noise level nominal): tfhe-rs's decrypt rounds the phase to the CLIENT KEY's delta
// (2^63 / p) and then reduces mod the CIPHERTEXT's message modulus, so declaring 2p makes
// `Shortint.decrypt` return round(phase / delta) mod 2p, padding bit included: the same residue
// as our ClientKey.decrypt, which circuit outputs need (PBS outputs in [-p, p), clear-table
// residues in [0, 2p)). With p it would silently drop the padding bit.
ShortintMeta output_meta(const Params& p);

}  // namespace fhe::tfhers
