// C2SP tlog-checkpoint: the signed tree head of a log, a signed note whose text is
// the origin, the tree size and the base64 root hash (plus optional extension
// lines). Parsing is strict: no leading zeros, exactly 32-byte roots.
#ifndef DOMICILE_TLOG_CHECKPOINT_H_
#define DOMICILE_TLOG_CHECKPOINT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

namespace domicile::tlog {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // opaque, non-empty lines

  // The note text: "origin\nsize\nbase64(root)\n" followed by extension lines.
  std::string Text() const;
};

// Parses checkpoint note text (not the signatures).
Result<Checkpoint> ParseCheckpointText(std::string_view text);

// Verifies the signed note against `known` (see OpenNote) and parses its text.
Result<Checkpoint> OpenCheckpoint(std::string_view note, std::span<const NoteVerifier* const> known);

// Parses a signed checkpoint WITHOUT checking signatures: for the log's own tools
// (e.g. building a proof from the current checkpoint), never for trust decisions.
Result<Checkpoint> ParseUnverifiedCheckpoint(std::string_view note);

// Strict ASCII decimal: digits only, no leading zeros (except "0"), fits uint64.
Result<uint64_t> ParseDecimal(std::string_view s);

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_CHECKPOINT_H_
