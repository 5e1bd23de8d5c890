// Reading a tlog-tiles directory: proofs against its current checkpoint and a full
// audit that re-derives the whole tree from the entry bundles. Works on any log in
// the C2SP layout (ours or another implementation's).
#ifndef DOMICILE_TLOG_LOG_READER_H_
#define DOMICILE_TLOG_LOG_READER_H_

#include <cstdint>
#include <span>
#include <string>

#include "common/file.h"
#include "common/status.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/proof_format.h"

namespace domicile::tlog {

// DIR/checkpoint, verbatim.
Result<std::string> ReadCheckpointFile(FileSystem& fs, const std::string& dir);

// Inclusion proof of entry `index` against the current checkpoint, read from the
// tiles. OutOfRange if index >= tree size. The proof is checked against the
// checkpoint's root before it is returned (DataLoss if the tiles disagree).
Result<TlogProof> ProveInclusion(FileSystem& fs, const std::string& dir, uint64_t index);

// tlog-witness add-checkpoint body from `old_size` to the current checkpoint.
// OutOfRange if old_size > tree size; an empty proof for 0 and for the tree size.
Result<AddCheckpointRequest> ProveConsistency(FileSystem& fs, const std::string& dir, uint64_t old_size);

struct AuditReport {
  Checkpoint checkpoint;
  uint64_t bundles = 0;  // entry bundles read
  uint64_t tiles = 0;    // tiles compared
};

// Full audit: verifies the checkpoint signature with `known`, recomputes every leaf
// hash from the entry bundles, every tile from the level below and the root, and
// compares each with what is on disk. The error names the first bad bundle, tile
// or entry index (DataLoss), or the signature problem (PermissionDenied).
Result<AuditReport> AuditLog(FileSystem& fs, const std::string& dir, std::span<const NoteVerifier* const> known);

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_LOG_READER_H_
