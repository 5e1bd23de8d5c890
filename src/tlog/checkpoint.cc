#include "tlog/checkpoint.h"

#include "common/encoding.h"

namespace domicile::tlog {

Result<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return InvalidArgumentError("not a decimal number");
  if (s.size() > 1 && s[0] == '0') return InvalidArgumentError("decimal number has a leading zero");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return InvalidArgumentError("not a decimal number");
    uint64_t d = uint64_t(c - '0');
    if (v > (UINT64_MAX - d) / 10) return InvalidArgumentError("decimal number overflows 64 bits");
    v = v * 10 + d;
  }
  return v;
}

std::string Checkpoint::Text() const {
  std::string t = origin + "\n" + std::to_string(size) + "\n" + Base64Encode(HashBytes(root)) + "\n";
  for (const std::string& e : extensions) t += e + "\n";
  return t;
}

Result<Checkpoint> ParseCheckpointText(std::string_view text) {
  if (text.empty() || text.back() != '\n') return InvalidArgumentError("checkpoint: text does not end in a newline");
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() < 3) return InvalidArgumentError("checkpoint: fewer than three lines");
  for (std::string_view l : lines) {
    if (l.empty()) return InvalidArgumentError("checkpoint: empty line in text");
  }
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  auto size = ParseDecimal(lines[1]);
  if (!size.ok()) return InvalidArgumentError("checkpoint: tree size: " + size.status().message());
  cp.size = *size;
  auto root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != kHashSize) return InvalidArgumentError("checkpoint: root is not base64 of 32 bytes");
  cp.root = *HashFromBytes(*root);
  for (size_t i = 3; i < lines.size(); ++i) cp.extensions.emplace_back(lines[i]);
  return cp;
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, std::span<const NoteVerifier* const> known) {
  ASSIGN_OR_RETURN(Note n, OpenNote(note, known));
  return ParseCheckpointText(n.text);
}

Result<Checkpoint> ParseUnverifiedCheckpoint(std::string_view note) {
  ASSIGN_OR_RETURN(Note n, ParseNote(note));
  return ParseCheckpointText(n.text);
}

}  // namespace domicile::tlog
