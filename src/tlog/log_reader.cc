#include "tlog/log_reader.h"

#include <cstring>

#include "common/encoding.h"
#include "tlog/tiles.h"

namespace domicile::tlog {
namespace {

struct Current {
  std::string note;
  Checkpoint checkpoint;
};

Result<Current> ReadCurrent(FileSystem& fs, const std::string& dir) {
  ASSIGN_OR_RETURN(std::string note, ReadCheckpointFile(fs, dir));
  auto cp = ParseUnverifiedCheckpoint(note);
  if (!cp.ok()) return DataLossError("checkpoint: " + cp.status().message());
  return Current{std::move(note), std::move(*cp)};
}

Status CheckRoot(TileReader& reader, const Checkpoint& cp) {
  ASSIGN_OR_RETURN(Hash root, TreeHash(reader, cp.size));
  if (root != cp.root) return DataLossError("the tiles do not match the checkpoint's root hash");
  return Status::Ok();
}

// Index of the first hash where a and b differ.
size_t FirstDifference(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i + kHashSize <= a.size() && i + kHashSize <= b.size() &&
         a.substr(i, kHashSize) == b.substr(i, kHashSize)) {
    i += kHashSize;
  }
  return i / kHashSize;
}

}  // namespace

Result<std::string> ReadCheckpointFile(FileSystem& fs, const std::string& dir) {
  auto note = fs.ReadFile(JoinPath(dir, "checkpoint"));
  if (!note.ok()) return note.status().Annotate("read checkpoint");
  return note;
}

Result<TlogProof> ProveInclusion(FileSystem& fs, const std::string& dir, uint64_t index) {
  ASSIGN_OR_RETURN(Current cur, ReadCurrent(fs, dir));
  if (index >= cur.checkpoint.size) {
    return OutOfRangeError("index " + std::to_string(index) + " is beyond the log (tree size " +
                           std::to_string(cur.checkpoint.size) + ")");
  }
  TileReader reader(fs, dir, cur.checkpoint.size);
  RETURN_IF_ERROR(CheckRoot(reader, cur.checkpoint));
  ASSIGN_OR_RETURN(std::vector<Hash> proof, InclusionProof(reader, index, cur.checkpoint.size));
  ASSIGN_OR_RETURN(Hash leaf, reader.SubtreeHash(0, index));
  TlogProof p{std::nullopt, index, HashesToStrings(proof), std::move(cur.note)};
  Status st = VerifyInclusion(index, cur.checkpoint.size, HashBytes(leaf), p.proof, HashBytes(cur.checkpoint.root));
  if (!st.ok()) return InternalError("inclusion proof does not verify: " + st.message());
  return p;
}

Result<AddCheckpointRequest> ProveConsistency(FileSystem& fs, const std::string& dir, uint64_t old_size) {
  ASSIGN_OR_RETURN(Current cur, ReadCurrent(fs, dir));
  if (old_size > cur.checkpoint.size) {
    return OutOfRangeError("old size " + std::to_string(old_size) + " is beyond the log (tree size " +
                           std::to_string(cur.checkpoint.size) + ")");
  }
  TileReader reader(fs, dir, cur.checkpoint.size);
  RETURN_IF_ERROR(CheckRoot(reader, cur.checkpoint));
  ASSIGN_OR_RETURN(std::vector<Hash> proof, ConsistencyProof(reader, old_size, cur.checkpoint.size));
  if (old_size > 0) {
    ASSIGN_OR_RETURN(Hash old_root, TreeHash(reader, old_size));
    std::vector<std::string> strs = HashesToStrings(proof);
    Status st = VerifyConsistency(old_size, cur.checkpoint.size, strs, HashBytes(old_root),
                                  HashBytes(cur.checkpoint.root));
    if (!st.ok()) return InternalError("consistency proof does not verify: " + st.message());
  }
  return AddCheckpointRequest{old_size, HashesToStrings(proof), std::move(cur.note)};
}

Result<AuditReport> AuditLog(FileSystem& fs, const std::string& dir, std::span<const NoteVerifier* const> known) {
  ASSIGN_OR_RETURN(std::string note, ReadCheckpointFile(fs, dir));
  auto cp = OpenCheckpoint(note, known);
  if (!cp.ok()) return Status(cp.status().code(), "checkpoint: " + cp.status().message());
  AuditReport report;
  report.checkpoint = *cp;
  const uint64_t size = cp->size;

  // Replays the tree from the bundles; each tile the replay completes (and, at the
  // end, each partial tile) must equal the file on disk.
  TreeEdge edge;
  Status error;
  auto compare = [&](int level, uint64_t index, std::span<const Hash> hashes) {
    if (!error.ok()) return;
    uint64_t width = hashes.size();
    std::string path = TilePath(level, index, width);
    auto disk = ReadTileFile(fs, dir, level, index, width);
    ++report.tiles;
    if (!disk.ok()) {
      error = disk.status();
      return;
    }
    std::string_view want(reinterpret_cast<const char*>(hashes.data()), width * kHashSize);
    if (*disk == want) return;
    size_t i = FirstDifference(*disk, want);
    if (level == 0) {
      error = DataLossError(path + ": hash " + std::to_string(i) + " does not match entry index " +
                            std::to_string(index * kTileWidth + i) + " in " + EntriesPath(index, width));
    } else {
      error = DataLossError(path + ": hash " + std::to_string(i) + " does not match tile " +
                            TilePath(level - 1, index * kTileWidth + i, kTileWidth));
    }
  };

  for (uint64_t b = 0; b * kTileWidth < size; ++b) {
    uint64_t width = TileWidth(0, b, size);
    std::string path = EntriesPath(b, width);
    ASSIGN_OR_RETURN(std::string bundle, ReadBundleFile(fs, dir, b, width));
    ++report.bundles;
    auto entries = SplitBundle(bundle);
    if (!entries.ok()) return DataLossError(path + ": " + entries.status().message());
    if (entries->size() != width) {
      return DataLossError(path + ": holds " + std::to_string(entries->size()) + " entries, want " +
                           std::to_string(width));
    }
    for (std::string_view e : *entries) {
      edge.Append(HashLeaf(e), compare);
      if (!error.ok()) return error;
    }
  }
  for (int level = 0; level < edge.num_levels(); ++level) {
    std::span<const Hash> tail = edge.tail(level);
    if (!tail.empty()) compare(level, (size >> (kTileHeight * level)) / kTileWidth, tail);
    if (!error.ok()) return error;
  }
  if (edge.Root() != cp->root) {
    return DataLossError("root recomputed from the entries (" + Base64Encode(HashBytes(edge.Root())) +
                         ") differs from the signed checkpoint's (" + Base64Encode(HashBytes(cp->root)) + ")");
  }
  return report;
}

}  // namespace domicile::tlog
