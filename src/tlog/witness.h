// The witness side of C2SP tlog-witness: checks that each new checkpoint of a
// configured log is signed by the log and consistent with the latest one it
// cosigned, persists that view atomically, and returns its cosignature
// (tlog-cosignature v1). Also the client side a log uses to ask a witness.
// Transport-free: replies carry the HTTP status the spec prescribes, and the
// server (or a test) puts them on the wire.
#ifndef DOMICILE_TLOG_WITNESS_H_
#define DOMICILE_TLOG_WITNESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/file.h"
#include "common/status.h"
#include "tlog/cosignature.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

namespace domicile::tlog {

inline constexpr std::string_view kTlogSizeContentType = "text/x.tlog.size";

// A log the witness accepts: its origin line and the verifier keys of its signers.
struct WitnessedLog {
  std::string origin;
  std::vector<std::string> verifier_keys;  // "name+hash+base64" (Ed25519 note keys)
};

// An HTTP reply, transport-free.
struct WitnessReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Thread-safe. Requests for one log are serialised (check and persist are one
// atomic step, as the spec requires); different logs proceed in parallel.
class Witness {
 public:
  // Loads the latest cosigned checkpoint of each log from `state_dir` (one file
  // per log, named by the hex SHA-256 of its origin). DataLoss if a state file is
  // damaged or no longer verifies with the configured keys; InvalidArgument for a
  // bad key or a duplicate origin. `fs` and `clock` must outlive the witness.
  static Result<std::unique_ptr<Witness>> Open(FileSystem& fs, std::string state_dir, std::string_view cosigner_key,
                                               const std::vector<WitnessedLog>& logs, Clock* clock);
  ~Witness();

  // POST add-checkpoint. 200 with the cosignature line; 400 malformed body or old
  // size beyond the checkpoint; 403 bad or missing log signature; 404 unknown
  // origin; 409 (text/x.tlog.size, "<size>\n") old size is not the latest cosigned
  // size; 422 bad consistency proof, empty tree with a non-empty root, or same size
  // with another root; 500 if the new view could not be persisted (nothing is
  // cosigned then). Error bodies are one line of text.
  WitnessReply AddCheckpoint(std::string_view body);

  // GET <origin hash>/checkpoint: the latest cosigned checkpoint with the log's
  // and our signatures; 404 if none (or an unknown origin hash).
  WitnessReply GetCheckpoint(std::string_view origin_hash_hex) const;

  const std::string& verifier_key() const { return verifier_key_; }
  const std::string& name() const;

  struct LogState;

 private:
  Witness(FileSystem& fs, std::string state_dir, std::unique_ptr<CosignatureSigner> signer, std::string vkey,
          Clock* clock);
  WitnessReply AddLocked(LogState& log, uint64_t old_size, const std::vector<std::string>& proof,
                         const std::string& checkpoint_note);

  FileSystem& fs_;
  const std::string state_dir_;
  const std::unique_ptr<CosignatureSigner> signer_;
  const std::string verifier_key_;
  Clock* const clock_;
  // Built in Open, never changed after: the map itself needs no lock; each
  // LogState has its own mutex.
  std::map<std::string, std::unique_ptr<LogState>, std::less<>> by_origin_;
  std::map<std::string, LogState*, std::less<>> by_origin_hash_;
};

// Hex SHA-256 of an origin line (lowercase): the witness's file and URL name for it.
std::string OriginHash(std::string_view origin);

// Sends an add-checkpoint body to one witness (HTTP POST <prefix>/add-checkpoint).
class WitnessTransport {
 public:
  virtual ~WitnessTransport() = default;
  virtual Result<WitnessReply> PostAddCheckpoint(std::string_view body) = 0;
};

// The log's side: gets one witness's cosignature for each new checkpoint.
// Thread-safe; submissions to one witness are serialised.
class WitnessClient {
 public:
  // RFC 9162 consistency proof from old_size to the checkpoint being submitted.
  using ProveFn = std::function<Result<std::vector<std::string>>(uint64_t old_size)>;

  WitnessClient(std::unique_ptr<WitnessTransport> transport, std::unique_ptr<CosignatureVerifier> witness_key);

  // Submits `checkpoint` (a note signed by the log) with a proof from the size this
  // witness last cosigned (0 at first); on 409 it retries once from the size the
  // witness reports. Returns the witness's cosignature line, verified. Errors:
  // Unavailable (transport), PermissionDenied (the witness refused or its
  // cosignature does not verify), FailedPrecondition (any other refusal).
  Result<std::string> Cosign(const std::string& checkpoint, const ProveFn& prove);

  const std::string& name() const { return witness_key_->name(); }

 private:
  const std::unique_ptr<WitnessTransport> transport_;
  const std::unique_ptr<CosignatureVerifier> witness_key_;
  std::mutex mu_;
  uint64_t known_size_ = 0;  // guarded by mu_: the size this witness last cosigned
};

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_WITNESS_H_
