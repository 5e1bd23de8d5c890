#include "tlog/proof_format.h"

#include "common/encoding.h"

namespace domicile::tlog {
namespace {

// Reads one newline-terminated line from `text`; false if there is none.
bool NextLine(std::string_view& text, std::string_view& line) {
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  line = text.substr(0, nl);
  text.remove_prefix(nl + 1);
  return true;
}

// Reads base64 hash lines up to the first empty line (consumed).
Status ReadHashLines(std::string_view& text, std::vector<std::string>& out, std::string_view what) {
  std::string_view line;
  while (true) {
    if (!NextLine(text, line)) return InvalidArgumentError(std::string(what) + ": missing blank line before the checkpoint");
    if (line.empty()) return Status::Ok();
    if (out.size() == kMaxProofHashes) return InvalidArgumentError(std::string(what) + ": more than 63 proof hashes");
    auto h = Base64Decode(line);
    if (!h.ok() || h->size() != kHashSize) {
      return InvalidArgumentError(std::string(what) + ": proof line is not base64 of a 32-byte hash");
    }
    out.push_back(std::move(*h));
  }
}

Status CheckCheckpoint(std::string_view text, std::string_view what) {
  auto cp = ParseUnverifiedCheckpoint(text);
  if (!cp.ok()) return InvalidArgumentError(std::string(what) + ": " + cp.status().message());
  return Status::Ok();
}

}  // namespace

std::string FormatTlogProof(const TlogProof& p) {
  std::string out(kTlogProofHeader);
  out += "\n";
  if (p.extra) out += "extra " + Base64Encode(*p.extra) + "\n";
  out += "index " + std::to_string(p.index) + "\n";
  for (const std::string& h : p.proof) out += Base64Encode(h) + "\n";
  out += "\n";
  out += p.checkpoint;
  return out;
}

Result<TlogProof> ParseTlogProof(std::string_view text) {
  constexpr std::string_view kWhat = "tlog-proof";
  if (text.size() > kMaxNoteSize + 4096) return InvalidArgumentError("tlog-proof: too large");
  std::string_view line;
  if (!NextLine(text, line) || line != kTlogProofHeader) {
    return InvalidArgumentError("tlog-proof: first line is not c2sp.org/tlog-proof@v1");
  }
  TlogProof p;
  if (!NextLine(text, line)) return InvalidArgumentError("tlog-proof: truncated");
  if (line.substr(0, 6) == "extra ") {
    auto extra = Base64Decode(line.substr(6));
    if (!extra.ok()) return InvalidArgumentError("tlog-proof: extra is not base64");
    p.extra = std::move(*extra);
    if (!NextLine(text, line)) return InvalidArgumentError("tlog-proof: truncated");
  }
  if (line.substr(0, 6) != "index ") return InvalidArgumentError("tlog-proof: missing index line");
  auto index = ParseDecimal(line.substr(6));
  if (!index.ok()) return InvalidArgumentError("tlog-proof: index: " + index.status().message());
  p.index = *index;
  RETURN_IF_ERROR(ReadHashLines(text, p.proof, kWhat));
  RETURN_IF_ERROR(CheckCheckpoint(text, kWhat));
  p.checkpoint = std::string(text);
  return p;
}

Result<Checkpoint> VerifyTlogProof(const TlogProof& p, std::string_view leaf_hash,
                                   std::span<const NoteVerifier* const> known) {
  ASSIGN_OR_RETURN(Checkpoint cp, OpenCheckpoint(p.checkpoint, known));
  RETURN_IF_ERROR(VerifyInclusion(p.index, cp.size, leaf_hash, p.proof, HashBytes(cp.root)));
  return cp;
}

std::string FormatAddCheckpoint(const AddCheckpointRequest& r) {
  std::string out = "old " + std::to_string(r.old_size) + "\n";
  for (const std::string& h : r.proof) out += Base64Encode(h) + "\n";
  out += "\n";
  out += r.checkpoint;
  return out;
}

Result<AddCheckpointRequest> ParseAddCheckpoint(std::string_view text) {
  constexpr std::string_view kWhat = "add-checkpoint";
  if (text.size() > kMaxNoteSize + 4096) return InvalidArgumentError("add-checkpoint: too large");
  std::string_view line;
  if (!NextLine(text, line) || line.substr(0, 4) != "old ") {
    return InvalidArgumentError("add-checkpoint: first line is not `old SIZE`");
  }
  auto old = ParseDecimal(line.substr(4));
  if (!old.ok()) return InvalidArgumentError("add-checkpoint: old size: " + old.status().message());
  AddCheckpointRequest r;
  r.old_size = *old;
  RETURN_IF_ERROR(ReadHashLines(text, r.proof, kWhat));
  RETURN_IF_ERROR(CheckCheckpoint(text, kWhat));
  r.checkpoint = std::string(text);
  return r;
}

Result<Checkpoint> VerifyAddCheckpoint(const AddCheckpointRequest& r, std::string_view old_root,
                                       std::span<const NoteVerifier* const> known) {
  ASSIGN_OR_RETURN(Checkpoint cp, OpenCheckpoint(r.checkpoint, known));
  if (r.old_size > cp.size) return InvalidArgumentError("add-checkpoint: old size is beyond the checkpoint");
  if (r.old_size == 0) {
    if (!r.proof.empty()) return InvalidArgumentError("add-checkpoint: old size 0 needs an empty proof");
    return cp;
  }
  RETURN_IF_ERROR(VerifyConsistency(r.old_size, cp.size, r.proof, old_root, HashBytes(cp.root)));
  return cp;
}

}  // namespace domicile::tlog
