// Text forms of proofs: the c2sp.org/tlog-proof@v1 inclusion receipt and the
// c2sp.org/tlog-witness add-checkpoint request body (a consistency proof followed
// by the new checkpoint). Parsers are strict and bounded; the embedded checkpoint
// is kept verbatim and is only trusted after OpenCheckpoint.
#ifndef DOMICILE_TLOG_PROOF_FORMAT_H_
#define DOMICILE_TLOG_PROOF_FORMAT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

namespace domicile::tlog {

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";
inline constexpr size_t kMaxProofHashes = 63;

struct TlogProof {
  std::optional<std::string> extra;  // decoded bytes of the optional `extra` line
  uint64_t index = 0;
  std::vector<std::string> proof;    // 32-byte hashes, leaf's sibling first
  std::string checkpoint;            // signed checkpoint note, verbatim
};
std::string FormatTlogProof(const TlogProof& p);
Result<TlogProof> ParseTlogProof(std::string_view text);
// Full offline verification: the checkpoint is signed by a known key and the proof
// binds `leaf_hash` at p.index to its root. Returns the checkpoint.
Result<Checkpoint> VerifyTlogProof(const TlogProof& p, std::string_view leaf_hash,
                                   std::span<const NoteVerifier* const> known);

struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<std::string> proof;  // RFC 9162 consistency proof, 32-byte hashes
  std::string checkpoint;          // signed checkpoint note, verbatim
};
std::string FormatAddCheckpoint(const AddCheckpointRequest& r);
Result<AddCheckpointRequest> ParseAddCheckpoint(std::string_view text);
// Verifies the checkpoint signature and that it extends a tree of old_size whose
// root is `old_root` (ignored when old_size is 0, where the proof must be empty).
Result<Checkpoint> VerifyAddCheckpoint(const AddCheckpointRequest& r, std::string_view old_root,
                                       std::span<const NoteVerifier* const> known);

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_PROOF_FORMAT_H_
