#include "tlog/witness.h"

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "tlog/checkpoint.h"
#include "tlog/proof_format.h"

namespace domicile::tlog {

struct Witness::LogState {
  std::string origin;
  std::string origin_hash;
  std::vector<std::unique_ptr<NoteVerifier>> keys;
  std::vector<const NoteVerifier*> key_ptrs;
  mutable std::mutex mu;
  uint64_t size = 0;      // guarded by mu: latest cosigned size (0 if none)
  Hash root = EmptyRoot();  // guarded by mu
  std::string note;       // guarded by mu: latest cosigned checkpoint, "" if none
};

namespace {

WitnessReply Reply(int status, std::string message) {
  return WitnessReply{status, "text/plain; charset=utf-8", std::move(message) + "\n"};
}

}  // namespace

std::string OriginHash(std::string_view origin) {
  crypto::Digest d = crypto::Sha256(origin);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

Witness::Witness(FileSystem& fs, std::string state_dir, std::unique_ptr<CosignatureSigner> signer, std::string vkey,
                 Clock* clock)
    : fs_(fs), state_dir_(std::move(state_dir)), signer_(std::move(signer)), verifier_key_(std::move(vkey)),
      clock_(clock) {}

Witness::~Witness() = default;

const std::string& Witness::name() const { return signer_->name(); }

Result<std::unique_ptr<Witness>> Witness::Open(FileSystem& fs, std::string state_dir, std::string_view cosigner_key,
                                               const std::vector<WitnessedLog>& logs, Clock* clock) {
  ASSIGN_OR_RETURN(auto signer, NewCosignatureSigner(cosigner_key));
  ASSIGN_OR_RETURN(std::string vkey, CosignerVerifierKeyFor(cosigner_key));
  ASSIGN_OR_RETURN(auto self, NewCosignatureVerifier(vkey));
  RETURN_IF_ERROR(fs.CreateDirs(state_dir));
  std::unique_ptr<Witness> w(new Witness(fs, state_dir, std::move(signer), vkey, clock));
  for (const WitnessedLog& cfg : logs) {
    if (cfg.origin.empty() || cfg.verifier_keys.empty()) {
      return InvalidArgumentError("witness: a log needs an origin and at least one verifier key");
    }
    if (w->by_origin_.count(cfg.origin)) return InvalidArgumentError("witness: duplicate log origin " + cfg.origin);
    auto log = std::make_unique<LogState>();
    log->origin = cfg.origin;
    log->origin_hash = OriginHash(cfg.origin);
    for (const std::string& k : cfg.verifier_keys) {
      auto v = NewVerifier(k);
      if (!v.ok()) return v.status().Annotate("witness: log " + cfg.origin);
      log->key_ptrs.push_back(v->get());
      log->keys.push_back(std::move(*v));
    }
    std::string path = JoinPath(state_dir, log->origin_hash);
    ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
    if (exists) {
      ASSIGN_OR_RETURN(std::string note, fs.ReadFile(path));
      auto cp = OpenCheckpoint(note, log->key_ptrs);
      auto parsed = ParseNote(note);
      const CosignatureVerifier* me = self.get();
      auto ours = parsed.ok() ? VerifyCosignatures(*parsed, std::span(&me, 1))
                              : Result<std::vector<VerifiedCosignature>>(parsed.status());
      if (!cp.ok() || cp->origin != cfg.origin || !ours.ok() || ours->empty()) {
        return DataLossError("witness: state file " + path + " does not hold a checkpoint of " + cfg.origin +
                             " signed by the log and by this witness");
      }
      log->size = cp->size;
      log->root = cp->root;
      log->note = std::move(note);
    }
    w->by_origin_hash_[log->origin_hash] = log.get();
    w->by_origin_[cfg.origin] = std::move(log);
  }
  return w;
}

WitnessReply Witness::AddCheckpoint(std::string_view body) {
  auto req = ParseAddCheckpoint(body);
  if (!req.ok()) return Reply(400, req.status().message());
  auto unverified = ParseUnverifiedCheckpoint(req->checkpoint);
  if (!unverified.ok()) return Reply(400, unverified.status().message());
  auto it = by_origin_.find(unverified->origin);
  if (it == by_origin_.end()) return Reply(404, "unknown log origin");
  LogState& log = *it->second;
  auto cp = OpenCheckpoint(req->checkpoint, log.key_ptrs);
  if (!cp.ok()) {
    return Reply(cp.status().code() == StatusCode::kPermissionDenied ? 403 : 400, cp.status().message());
  }
  if (req->old_size > cp->size) return Reply(400, "old size is beyond the checkpoint size");
  if (cp->size == 0 && cp->root != EmptyRoot()) return Reply(422, "a checkpoint of size 0 must have the empty root");
  std::lock_guard<std::mutex> lock(log.mu);
  return AddLocked(log, req->old_size, req->proof, req->checkpoint);
}

WitnessReply Witness::AddLocked(LogState& log, uint64_t old_size, const std::vector<std::string>& proof,
                                const std::string& checkpoint_note) {
  if (old_size != log.size) {
    return WitnessReply{409, std::string(kTlogSizeContentType), std::to_string(log.size) + "\n"};
  }
  Checkpoint cp = *ParseUnverifiedCheckpoint(checkpoint_note);  // verified by the caller
  Status consistent = Status::Ok();
  if (old_size == 0) {
    if (!proof.empty()) return Reply(422, "old size 0 needs an empty consistency proof");
  } else if (old_size == cp.size) {
    if (!proof.empty() || cp.root != log.root) consistent = InvalidArgumentError("same size, different root");
  } else {
    consistent = VerifyConsistency(old_size, cp.size, proof, HashBytes(log.root), HashBytes(cp.root));
  }
  if (!consistent.ok()) {
    // Signed by the log yet inconsistent with what we cosigned: keep it as
    // evidence of misbehaviour (best effort; the refusal does not depend on it).
    AtomicWriteFile(fs_,
                    JoinPath(state_dir_, "evidence/" + log.origin_hash + "." + std::to_string(cp.size) + "." +
                                             std::to_string(clock_->NowUnixMicros())),
                    checkpoint_note)
        .IgnoreError();
    return Reply(422, "checkpoint is not consistent with the latest cosigned checkpoint: " + consistent.message());
  }
  uint64_t timestamp = std::max<int64_t>(1, clock_->NowUnixMicros() / 1'000'000);
  auto line = signer_->Cosign(cp.Text(), timestamp);
  if (!line.ok()) return Reply(500, "cosigning failed");
  auto state = AddSignatureLines(checkpoint_note, *line);
  if (!state.ok()) return Reply(400, state.status().message());
  Status persisted = AtomicWriteFile(fs_, JoinPath(state_dir_, log.origin_hash), *state);
  if (!persisted.ok()) return Reply(500, "could not persist the witness state; not cosigned");
  log.size = cp.size;
  log.root = cp.root;
  log.note = std::move(*state);
  return WitnessReply{200, "text/plain; charset=utf-8", std::move(*line)};
}

WitnessReply Witness::GetCheckpoint(std::string_view origin_hash_hex) const {
  auto it = by_origin_hash_.find(origin_hash_hex);
  if (it == by_origin_hash_.end()) return Reply(404, "unknown log");
  std::lock_guard<std::mutex> lock(it->second->mu);
  if (it->second->note.empty()) return Reply(404, "no checkpoint cosigned for this log yet");
  return WitnessReply{200, "text/plain; charset=utf-8", it->second->note};
}

WitnessClient::WitnessClient(std::unique_ptr<WitnessTransport> transport,
                             std::unique_ptr<CosignatureVerifier> witness_key)
    : transport_(std::move(transport)), witness_key_(std::move(witness_key)) {}

Result<std::string> WitnessClient::Cosign(const std::string& checkpoint, const ProveFn& prove) {
  ASSIGN_OR_RETURN(Checkpoint cp, ParseUnverifiedCheckpoint(checkpoint));
  std::lock_guard<std::mutex> lock(mu_);
  const std::string who = "witness " + witness_key_->name();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (known_size_ > cp.size) {
      return FailedPreconditionError(who + " has cosigned a larger tree (" + std::to_string(known_size_) + ")");
    }
    AddCheckpointRequest req;
    req.old_size = known_size_;
    req.checkpoint = checkpoint;
    if (known_size_ != 0 && known_size_ != cp.size) {
      ASSIGN_OR_RETURN(req.proof, prove(known_size_));
    }
    auto reply = transport_->PostAddCheckpoint(FormatAddCheckpoint(req));
    if (!reply.ok()) return UnavailableError(who + ": " + reply.status().message());
    if (reply->status == 409) {
      std::string_view size = reply->body;
      if (!size.empty() && size.back() == '\n') size.remove_suffix(1);
      auto parsed = ParseDecimal(size);
      if (!parsed.ok()) return FailedPreconditionError(who + ": malformed 409 reply");
      known_size_ = *parsed;
      continue;
    }
    if (reply->status != 200) {
      std::string msg = who + " refused the checkpoint (HTTP " + std::to_string(reply->status) + "): " + reply->body;
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return reply->status == 403 ? PermissionDeniedError(msg) : FailedPreconditionError(msg);
    }
    auto cosigned = AddSignatureLines(checkpoint, reply->body);
    if (!cosigned.ok()) return PermissionDeniedError(who + ": malformed reply: " + cosigned.status().message());
    ASSIGN_OR_RETURN(Note note, ParseNote(*cosigned));
    const CosignatureVerifier* key = witness_key_.get();
    auto verified = VerifyCosignatures(note, std::span(&key, 1));
    if (!verified.ok() || verified->empty()) {
      return PermissionDeniedError(who + " returned no valid cosignature");
    }
    known_size_ = cp.size;
    return verified->front().line;
  }
  return FailedPreconditionError(who + " keeps reporting another tree size");
}

}  // namespace domicile::tlog
