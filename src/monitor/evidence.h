// Portable proof of log misbehaviour: two checkpoints signed by the same log that
// cannot both be honest. Anyone holding the log's verifier key can check it offline
// (`domicile monitor verify-evidence`), without trusting the monitor that found it.
//   fork:         same size, different roots.
//   inconsistent: the larger tree's hashes (its root at the smaller size plus an
//                 RFC 9162 consistency proof to its signed root) show that its
//                 first `smaller.size` entries do not hash to the smaller root.
// Format: one JSON object (docs/monitor.md, "Misbehaviour proof").
#ifndef DOMICILE_MONITOR_EVIDENCE_H_
#define DOMICILE_MONITOR_EVIDENCE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

namespace domicile::monitor {

inline constexpr std::string_view kMisbehaviourFormat = "domicile/misbehaviour-proof@v1";
inline constexpr size_t kMaxEvidenceBytes = 4 << 20;

struct MisbehaviourProof {
  std::string kind;     // "fork" or "inconsistent"
  std::string smaller;  // signed checkpoint notes, verbatim (fork: the one seen first)
  std::string larger;
  std::string smaller_root_in_larger;           // inconsistent: 32 bytes
  std::vector<std::string> consistency_proof;   // inconsistent: 32-byte hashes
  std::string detail;                           // human-readable, not verified
};

std::string FormatMisbehaviourProof(const MisbehaviourProof& p);
// Strict, bounded parse. InvalidArgument on any defect.
Result<MisbehaviourProof> ParseMisbehaviourProof(std::string_view json);
// OK only if the proof shows misbehaviour of the log whose keys are `log_keys`.
// PermissionDenied if a checkpoint is not signed by the log; InvalidArgument if
// the two checkpoints are in fact consistent or the proof does not hold.
Status VerifyMisbehaviourProof(const MisbehaviourProof& p, std::span<const tlog::NoteVerifier* const> log_keys);

// Builds the proof that `larger_tree` (whose root is the larger checkpoint's root)
// is inconsistent with `smaller`. Fails if it is in fact consistent.
Result<MisbehaviourProof> ProveInconsistency(tlog::HashReader& larger_tree, std::string smaller_note,
                                             std::string larger_note, std::string detail);

}  // namespace domicile::monitor

#endif  // DOMICILE_MONITOR_EVIDENCE_H_
