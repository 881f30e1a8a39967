// Keyswitch + programmable bootstrapping (blind rotation, sample extraction): one ciphertext, or
// a batch processed in groups that stream each key from memory once per group (see the .cc for
// the loop order).
#pragma once
#include <functional>
#include <memory>

#include "entities/evaluation_keys.h"
#include "entities/lwe_ciphertext_batch.h"

namespace fhe {

// out (k*N+1, big key) = PBS(keyswitch(in)) with the given LUT polynomial (N coefficients).
// Scratch is per thread and reused: nothing is allocated inside the blind rotation.
void keyswitch_pbs(const EvaluationKeys& keys, const Torus* in, const Torus* lut, Torus* out);

// The straightforward per-ciphertext loop the engine started with (keyswitch, then for each a~_i:
// rotate, decompose, (k+1)*l forward FFTs each multiplied into all (k+1) outputs, backward FFTs).
// Kept as the reference that the grouped evaluation must match bit for bit (tests).
void keyswitch_pbs_reference(const EvaluationKeys& keys, const Torus* in, const Torus* lut, Torus* out);

// Reports ciphertexts finished so far; called from pool threads (must be thread-safe and cheap).
using PbsProgress = std::function<void(size_t done, size_t total)>;

struct PbsBatchOptions {
  // Ciphertexts per group (0 = automatic: kDefaultPbsGroup, lowered so that every thread gets a
  // group). Any value gives the same bits; only speed changes.
  size_t group_size = 0;
  const PbsProgress* progress = nullptr;
};
constexpr size_t kDefaultPbsGroup = 8;
constexpr size_t kMaxPbsGroup = 256;

// The group size a batch of `count` ciphertexts runs with on `threads` pool threads when the
// caller asks for none: kDefaultPbsGroup, lowered so that every thread gets a group.
size_t pbs_auto_group_size(size_t count, size_t threads);
// Bytes of the per-thread scratch of a group of up to `group` ciphertexts (what each pool thread
// that ran a group keeps, thread_local, for its lifetime; the executor's memory model reads it).
size_t pbs_thread_scratch_bytes(const KeyLayout& layout, size_t group);

// Batched: table_index[i] selects the table (p entries each, num_tables of them) of ciphertext i.
std::unique_ptr<LweCiphertextBatch> pbs_batch(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                              const u32* table_index, const i64* tables, size_t num_tables,
                                              const PbsBatchOptions& options = {});

// Same with the LUT polynomials given directly (num_tables of N torus coefficients each): odd-modulus
// residue LUTs (crt_residues.h, build_residue_lut) and any other test polynomial.
std::unique_ptr<LweCiphertextBatch> pbs_batch_luts(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                                   const u32* table_index, const Torus* luts, size_t num_tables,
                                                   const PbsBatchOptions& options = {});

// Multi-value PBS (tfhe-rs's apply_many_lookup_table): `functions` = F (a power of two <= p)
// functions of one input in ONE blind rotation. Table t (p entries) packs them: entries
// [j p/F, (j+1) p/F) hold f_j. For a message x < p/F (the caller's promise: the input leaves the
// top of the message space free), output j of a ciphertext encrypts f_j(x): the accumulator
// rotated by x holds table entry x + j p/F at coefficient j N/F, which is sample-extracted. Same
// noise as one PBS per output (Var_PBS, the decision reads the same box of N/p coefficients), F - 1
// blind rotations saved. Outputs [ciphertext][function] (count * F); F = 1 is pbs_batch.
std::unique_ptr<LweCiphertextBatch> pbs_batch_many(const EvaluationKeys& keys, const LweCiphertextBatch& in,
                                                   const u32* table_index, const i64* tables, size_t num_tables,
                                                   size_t functions, const PbsBatchOptions& options = {});

// outs[j] (k*N+1) = PBS of keyswitch(in) with LUT polynomial luts[j], j < count: one keyswitch and
// one modulus switch shared by all LUTs (circuit bootstrapping reads one phase b*l_cbs times),
// blind rotations grouped so each BSK GGSW is loaded once per group. Runs on the calling thread.
void keyswitch_pbs_many_luts(const EvaluationKeys& keys, const Torus* in, const Torus* const* luts, Torus* const* outs,
                             size_t count);

}  // namespace fhe
