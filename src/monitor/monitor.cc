#include "monitor/monitor.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/sha256.h"
#include "monitor/evidence.h"
#include "monitor/http_client.h"
#include "tlog/checkpoint.h"
#include "tlog/tiles.h"

namespace domicile::monitor {

using nlohmann::json;

namespace {

constexpr char kStateFile[] = "state.json";
constexpr char kEntriesFile[] = "entries";  // tlog-tiles bundle format, one after another
constexpr char kCheckpointsFile[] = "checkpoints.jsonl";
constexpr char kFindingsFile[] = "findings.jsonl";
constexpr char kViolationsFile[] = "violations.jsonl";

std::string NoteHash(std::string_view note) {
  crypto::Digest d = crypto::Sha256(note);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

class HttpLogSource final : public LogSource {
 public:
  explicit HttpLogSource(std::unique_ptr<HttpClient> client) : client_(std::move(client)) {}
  Result<std::string> Fetch(const std::string& path) override {
    ASSIGN_OR_RETURN(HttpReply r, client_->Get("/" + path));
    if (r.status == 200) return std::move(r.body);
    if (r.status == 404) return NotFoundError("log resource " + path + " not found");
    return UnavailableError("log resource " + path + ": HTTP " + std::to_string(r.status));
  }

 private:
  std::unique_ptr<HttpClient> client_;
};

class DirLogSource final : public LogSource {
 public:
  DirLogSource(FileSystem& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  Result<std::string> Fetch(const std::string& path) override {
    std::string full = JoinPath(dir_, path);
    ASSIGN_OR_RETURN(bool exists, fs_.Exists(full));
    if (!exists) return NotFoundError("log resource " + path + " not found");
    return fs_.ReadFile(full);
  }

 private:
  FileSystem& fs_;
  const std::string dir_;
};

json FindingJson(const Finding& f) {
  json j = {{"kind", f.kind}, {"detail", f.detail}, {"evidence", f.evidence}, {"observed", f.observed_micros}};
  if (f.index) j["index"] = *f.index;
  return j;
}

json ViolationJson(const Violation& v) {
  return {{"index", v.index},         {"time", v.time_micros},           {"rule", v.rule},
          {"description", v.description}, {"principal", v.principal}, {"source_country", v.source_country},
          {"fields", v.fields}};
}

// Reads the JSON lines of the first `length` bytes of a file.
Result<std::vector<json>> ReadJsonLines(FileSystem& fs, const std::string& path, uint64_t length) {
  std::vector<json> out;
  if (length == 0) return out;
  ASSIGN_OR_RETURN(std::string data, fs.ReadFile(path));
  if (data.size() < length) return DataLossError("monitor state: " + path + " is shorter than recorded");
  std::string_view rest(data.data(), length);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return DataLossError("monitor state: " + path + " ends mid-line");
    json j = json::parse(rest.substr(0, nl), nullptr, false);
    if (j.is_discarded()) return DataLossError("monitor state: " + path + " holds a malformed line");
    out.push_back(std::move(j));
    rest.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

// Logical lengths of the append-only files: bytes beyond them are the remains of
// a crash between appending and recording, and are cut off on open.
struct Monitor::Files {
  uint64_t entries = 0, checkpoints = 0, findings = 0, violations = 0;
};

Result<std::unique_ptr<LogSource>> NewHttpLogSource(std::string_view url, HttpTlsOptions tls) {
  ASSIGN_OR_RETURN(auto client, HttpClient::Create(url, {.tls = std::move(tls)}));
  return std::unique_ptr<LogSource>(std::make_unique<HttpLogSource>(std::move(client)));
}

std::unique_ptr<LogSource> NewDirLogSource(FileSystem& fs, std::string dir) {
  return std::make_unique<DirLogSource>(fs, std::move(dir));
}

Monitor::Monitor(FileSystem& fs, MonitorConfig config, std::unique_ptr<LogSource> source, Clock* clock)
    : fs_(fs), config_(std::move(config)), source_(std::move(source)), clock_(clock),
      files_(std::make_unique<Files>()) {}

Monitor::~Monitor() = default;

Result<std::unique_ptr<Monitor>> Monitor::Open(FileSystem& fs, const MonitorConfig& config,
                                               std::unique_ptr<LogSource> source, Clock* clock) {
  std::unique_ptr<Monitor> m(new Monitor(fs, config, std::move(source), clock));
  for (const std::string& k : config.log_keys) {
    ASSIGN_OR_RETURN(auto v, tlog::NewVerifier(k));
    m->log_key_ptrs_.push_back(v.get());
    m->log_keys_.push_back(std::move(v));
  }
  for (const std::string& k : config.witness_keys) {
    ASSIGN_OR_RETURN(auto v, tlog::NewCosignatureVerifier(k));
    m->witness_ptrs_.push_back(v.get());
    m->witnesses_.push_back(std::move(v));
  }
  if (config.quorum > m->witnesses_.size()) return InvalidArgumentError("monitor: quorum larger than the witnesses");
  ASSIGN_OR_RETURN(m->rules_, ComplianceRules::Create(config.compliance));
  m->checkpoint_ = tlog::Checkpoint{config.origin, 0, tlog::EmptyRoot(), {}};
  RETURN_IF_ERROR(fs.CreateDirs(JoinPath(config.state_dir, "evidence")));
  RETURN_IF_ERROR(m->Load());
  return m;
}

Status Monitor::Load() {
  const std::string state_path = JoinPath(config_.state_dir, kStateFile);
  ASSIGN_OR_RETURN(bool exists, fs_.Exists(state_path));
  if (!exists) return Status::Ok();
  ASSIGN_OR_RETURN(std::string text, fs_.ReadFile(state_path));
  json st = json::parse(text, nullptr, false);
  if (st.is_discarded() || !st.is_object()) return DataLossError("monitor state: state.json is malformed");
  try {
    files_->entries = st.at("entries_bytes").get<uint64_t>();
    files_->checkpoints = st.at("checkpoints_bytes").get<uint64_t>();
    files_->findings = st.at("findings_bytes").get<uint64_t>();
    files_->violations = st.at("violations_bytes").get<uint64_t>();
    for (const auto& h : st.at("flagged")) flagged_.insert(h.get<std::string>());
    checkpoint_note_ = st.at("checkpoint").get<std::string>();
  } catch (const json::exception& e) {
    return DataLossError(std::string("monitor state: ") + e.what());
  }
  // Cut what a crash left beyond the recorded lengths.
  for (auto [name, length] : {std::pair{kEntriesFile, files_->entries}, std::pair{kCheckpointsFile, files_->checkpoints},
                              std::pair{kFindingsFile, files_->findings}, std::pair{kViolationsFile, files_->violations}}) {
    std::string path = JoinPath(config_.state_dir, name);
    ASSIGN_OR_RETURN(bool present, fs_.Exists(path));
    uint64_t size = 0;
    if (present) {
      ASSIGN_OR_RETURN(size, fs_.FileSize(path));
    }
    if (size < length) return DataLossError("monitor state: " + path + " is shorter than recorded");
    if (size > length) {
      ASSIGN_OR_RETURN(std::string data, fs_.ReadFile(path));
      RETURN_IF_ERROR(AtomicWriteFile(fs_, path, std::string_view(data).substr(0, length)));
    }
  }
  if (!checkpoint_note_.empty()) {
    auto cp = tlog::OpenCheckpoint(checkpoint_note_, log_key_ptrs_);
    if (!cp.ok()) return DataLossError("monitor state: stored checkpoint: " + cp.status().message());
    checkpoint_ = *cp;
  }
  ASSIGN_OR_RETURN(std::vector<std::string> entries, Entries());
  for (size_t i = 0; i < entries.size(); ++i) {
    leaves_.push_back(tlog::HashLeaf(entries[i]));
    std::vector<Violation> replay;  // rebuilds the windowed rule state; already recorded
    rules_->Evaluate(i, entries[i], replay);
  }
  RebuildTree();
  if (leaves_.size() != checkpoint_.size || tree_.Root() != checkpoint_.root) {
    return DataLossError("monitor state: the mirrored entries do not match the stored checkpoint");
  }
  ASSIGN_OR_RETURN(auto records, ReadJsonLines(fs_, JoinPath(config_.state_dir, kCheckpointsFile), files_->checkpoints));
  for (const json& r : records) {
    checkpoints_.push_back({r.value("observed", int64_t(0)), r.value("note", std::string())});
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Monitor::Entries() const {
  std::vector<std::string> out;
  if (files_->entries == 0) return out;
  ASSIGN_OR_RETURN(std::string data, fs_.ReadFile(JoinPath(config_.state_dir, kEntriesFile)));
  if (data.size() < files_->entries) return DataLossError("monitor state: entries file is shorter than recorded");
  ASSIGN_OR_RETURN(auto views, tlog::SplitBundle(std::string_view(data).substr(0, files_->entries)));
  out.reserve(views.size());
  for (std::string_view v : views) out.emplace_back(v);
  return out;
}

Result<std::vector<Finding>> Monitor::Findings() const {
  ASSIGN_OR_RETURN(auto lines, ReadJsonLines(fs_, JoinPath(config_.state_dir, kFindingsFile), files_->findings));
  std::vector<Finding> out;
  for (const json& j : lines) {
    Finding f{j.value("kind", ""), std::nullopt, j.value("detail", ""), j.value("evidence", ""),
              j.value("observed", int64_t(0))};
    if (j.contains("index")) f.index = j["index"].get<uint64_t>();
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<Violation>> Monitor::Violations() const {
  ASSIGN_OR_RETURN(auto lines, ReadJsonLines(fs_, JoinPath(config_.state_dir, kViolationsFile), files_->violations));
  std::vector<Violation> out;
  for (const json& j : lines) {
    out.push_back(Violation{j.value("index", uint64_t(0)), j.value("time", int64_t(0)), j.value("rule", ""),
                            j.value("description", ""), j.value("principal", ""), j.value("source_country", ""),
                            j.value("fields", std::vector<std::string>{})});
  }
  return out;
}

Result<tlog::TlogProof> Monitor::ProveInclusion(uint64_t index) {
  if (index >= leaves_.size()) return OutOfRangeError("inclusion proof: index beyond the verified tree");
  ASSIGN_OR_RETURN(auto path, tlog::InclusionProof(tree_, index, leaves_.size()));
  return tlog::TlogProof{std::nullopt, index, tlog::HashesToStrings(path), checkpoint_note_};
}

void Monitor::RebuildTree() {
  tree_ = tlog::MemoryTree();
  for (const tlog::Hash& h : leaves_) tree_.AppendLeafHash(h);
}

Result<std::vector<std::string>> Monitor::FetchEntries(uint64_t begin, uint64_t end) {
  std::vector<std::string> out;
  if (begin >= end) return out;
  for (uint64_t k = begin / tlog::kTileWidth; k <= (end - 1) / tlog::kTileWidth; ++k) {
    uint64_t width = std::min<uint64_t>(tlog::kTileWidth, end - k * tlog::kTileWidth);
    auto data = source_->Fetch(tlog::EntriesPath(k, width));
    if (!data.ok() && data.status().code() == StatusCode::kNotFound && width < tlog::kTileWidth) {
      data = source_->Fetch(tlog::EntriesPath(k, tlog::kTileWidth));  // partials may be gone once full
    }
    if (!data.ok()) {
      if (data.status().code() == StatusCode::kNotFound) return DataLossError(data.status().message());
      return data.status();
    }
    auto split = tlog::SplitBundle(*data);
    if (!split.ok() || split->size() < width) {
      return DataLossError("entry bundle " + std::to_string(k) + " is malformed or holds fewer than " +
                           std::to_string(width) + " entries");
    }
    for (uint64_t i = std::max(begin, k * tlog::kTileWidth) - k * tlog::kTileWidth; i < width; ++i) {
      out.emplace_back((*split)[i]);
    }
  }
  return out;
}

Status Monitor::CheckTiles(uint64_t old_size, uint64_t new_size, PollResult& result) {
  for (int level = 0;; ++level) {
    const int shift = tlog::kTileHeight * level;
    if (shift >= 64 || (new_size >> shift) == 0) break;
    uint64_t first = (old_size >> shift) / tlog::kTileWidth;
    uint64_t last = ((new_size >> shift) - 1) / tlog::kTileWidth;
    for (uint64_t n = first; n <= last; ++n) {
      uint64_t width = tlog::TileWidth(level, n, new_size);
      if (width == 0) continue;
      auto data = source_->Fetch(tlog::TilePath(level, n, width));
      if (!data.ok() && data.status().code() == StatusCode::kNotFound && width < tlog::kTileWidth) {
        data = source_->Fetch(tlog::TilePath(level, n, tlog::kTileWidth));
      }
      if (!data.ok() && data.status().code() != StatusCode::kNotFound) return data.status();
      ++result.tiles_checked;
      std::string problem;
      if (!data.ok() || data->size() < width * tlog::kHashSize) {
        problem = "missing or short";
      } else {
        for (uint64_t j = 0; j < width && problem.empty(); ++j) {
          ASSIGN_OR_RETURN(tlog::Hash want, tree_.SubtreeHash(shift, n * tlog::kTileWidth + j));
          if (std::string_view(*data).substr(j * tlog::kHashSize, tlog::kHashSize) != tlog::HashBytes(want)) {
            problem = "hash " + std::to_string(j) + " differs from the tree derived from the entries";
          }
        }
      }
      if (!problem.empty()) {
        Flag(result, "bad-tile", std::nullopt, "tile " + tlog::TilePath(level, n, width) + ": " + problem);
      }
    }
  }
  return Status::Ok();
}

void Monitor::Flag(PollResult& result, std::string kind, std::optional<uint64_t> index, std::string detail,
                   const std::string* evidence_json) {
  Finding f{std::move(kind), index, std::move(detail), "", clock_->NowUnixMicros()};
  if (evidence_json) {
    f.evidence = f.kind + "-" + NoteHash(*evidence_json).substr(0, 16) + ".json";
    Status st = AtomicWriteFile(fs_, JoinPath(config_.state_dir, "evidence/" + f.evidence), *evidence_json);
    if (!st.ok()) f.detail += " (evidence could not be written: " + st.message() + ")";
  }
  result.findings.push_back(std::move(f));
}

Status Monitor::Diverged(const std::string& note, const tlog::Checkpoint& cp, PollResult& result) {
  auto all = FetchEntries(0, cp.size);
  if (!all.ok()) {
    if (all.status().code() != StatusCode::kDataLoss) return all.status();
    Flag(result, "bad-bundle", std::nullopt, all.status().message());
    return Status::Ok();
  }
  tlog::MemoryTree theirs;
  std::vector<tlog::Hash> their_leaves;
  for (const std::string& e : *all) {
    their_leaves.push_back(tlog::HashLeaf(e));
    theirs.AppendLeafHash(their_leaves.back());
  }
  if (theirs.Root() != cp.root) {
    Flag(result, "entries-mismatch", std::nullopt,
         "the published entry bundles do not hash to the root of the signed checkpoint of size " +
             std::to_string(cp.size));
    return Status::Ok();
  }
  // Where does the log's tree leave the one we verified?
  const std::vector<tlog::Hash>& ours = leaves_;
  uint64_t common = std::min<uint64_t>(ours.size(), their_leaves.size());
  uint64_t i = 0;
  while (i < common && ours[i] == their_leaves[i]) ++i;
  if (i == common) {
    if (cp.size >= ours.size()) {  // the data changed between our two reads of it
      return UnavailableError("the log's entries changed while they were read; retrying next round");
    }
    Flag(result, "truncated", cp.size,
         "the log now presents size " + std::to_string(cp.size) + " after size " + std::to_string(ours.size()));
    return Status::Ok();
  }
  auto same_from = [&](uint64_t a, uint64_t b) {  // ours[a..] == theirs[b..] where both exist
    for (; a < ours.size() && b < their_leaves.size(); ++a, ++b) {
      if (ours[a] != their_leaves[b]) return false;
    }
    return true;
  };
  std::string kind = "entries-reordered";
  if (same_from(i + 1, i + 1)) kind = "entry-rewritten";
  else if (same_from(i + 1, i)) kind = "entry-deleted";
  else if (same_from(i, i + 1)) kind = "entry-inserted";
  std::string detail = "log entry " + std::to_string(i) + ": " + kind + "; the log's checkpoint of size " +
                       std::to_string(cp.size) + " is inconsistent with the verified checkpoint of size " +
                       std::to_string(checkpoint_.size);
  std::string evidence;
  if (cp.size > checkpoint_.size) {
    auto proof = ProveInconsistency(theirs, checkpoint_note_, note, detail);
    if (proof.ok()) evidence = FormatMisbehaviourProof(*proof);
  } else if (cp.size < checkpoint_.size) {
    auto proof = ProveInconsistency(tree_, note, checkpoint_note_, detail);
    if (proof.ok()) evidence = FormatMisbehaviourProof(*proof);
  }
  Flag(result, kind, i, detail, evidence.empty() ? nullptr : &evidence);
  return Status::Ok();
}

Result<PollResult> Monitor::Poll() {
  RETURN_IF_ERROR(failed_);
  PollResult result;
  result.size = leaves_.size();
  ASSIGN_OR_RETURN(std::string note, source_->Fetch("checkpoint"));
  const std::string note_hash = NoteHash(note);
  if (flagged_.count(note_hash)) return result;  // already reported; nothing new
  auto done = [&]() -> Result<PollResult> {
    if (!result.findings.empty()) flagged_.insert(note_hash);
    failed_ = Persist(result, {}, nullptr);
    RETURN_IF_ERROR(failed_);
    return result;
  };
  auto opened = tlog::OpenCheckpoint(note, log_key_ptrs_);
  if (!opened.ok()) {
    Flag(result, "bad-log-signature", std::nullopt, "checkpoint not signed by the log: " + opened.status().message());
    return done();
  }
  const tlog::Checkpoint& cp = *opened;
  if (cp.origin != config_.origin) {
    Flag(result, "wrong-origin", std::nullopt, "checkpoint origin is " + cp.origin);
    return done();
  }
  // Two signed views of one size with different roots: nothing else to check.
  if (cp.size == checkpoint_.size) {
    if (cp.root != checkpoint_.root) {
      MisbehaviourProof proof{"fork", checkpoint_note_, note, "", {},
                              "two checkpoints of size " + std::to_string(cp.size) + " with different roots"};
      std::string evidence = FormatMisbehaviourProof(proof);
      Flag(result, "fork", std::nullopt, proof.detail, &evidence);
      return done();
    }
    return result;
  }
  if (cp.size < checkpoint_.size) {
    RETURN_IF_ERROR(Diverged(note, cp, result));
    return done();
  }
  auto fresh = FetchEntries(leaves_.size(), cp.size);
  if (!fresh.ok()) {
    if (fresh.status().code() != StatusCode::kDataLoss) return fresh.status();
    Flag(result, "bad-bundle", std::nullopt, fresh.status().message());
    return done();
  }
  for (const std::string& e : *fresh) tree_.AppendEntry(e);
  if (tree_.Root() != cp.root) {
    RebuildTree();
    RETURN_IF_ERROR(Diverged(note, cp, result));
    return done();
  }
  // Consistent. Trust it only with the witnesses' quorum.
  auto parsed = tlog::ParseNote(note);
  auto cosigs = parsed.ok() ? tlog::VerifyCosignatures(*parsed, witness_ptrs_)
                            : Result<std::vector<tlog::VerifiedCosignature>>(parsed.status());
  if (!cosigs.ok() || cosigs->size() < config_.quorum) {
    RebuildTree();
    Flag(result, cosigs.ok() ? "quorum" : "bad-cosignature", std::nullopt,
         cosigs.ok() ? "checkpoint of size " + std::to_string(cp.size) + " has " + std::to_string(cosigs->size()) +
                           " valid witness cosignature(s); the quorum is " + std::to_string(config_.quorum)
                     : cosigs.status().message());
    return done();
  }
  const uint64_t old_size = leaves_.size();
  Status tiles = CheckTiles(old_size, cp.size, result);
  if (!tiles.ok()) {
    RebuildTree();
    return tiles;
  }
  for (uint64_t i = 0; i < fresh->size(); ++i) {
    leaves_.push_back(tlog::HashLeaf((*fresh)[i]));
    rules_->Evaluate(old_size + i, (*fresh)[i], result.violations);
  }
  checkpoint_ = cp;
  checkpoint_note_ = note;
  checkpoints_.push_back({clock_->NowUnixMicros(), note});
  result.advanced = true;
  result.size = leaves_.size();
  result.new_entries = fresh->size();
  failed_ = Persist(result, *fresh, &note);
  RETURN_IF_ERROR(failed_);
  return result;
}

Status Monitor::Persist(PollResult& result, const std::vector<std::string>& new_entries, const std::string* new_note) {
  if (result.findings.empty() && result.violations.empty() && !new_note) return Status::Ok();
  auto append = [&](const char* name, std::string_view data, uint64_t& length) -> Status {
    if (data.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(auto f, fs_.NewAppendableFile(JoinPath(config_.state_dir, name)));
    RETURN_IF_ERROR(f->Append(data));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
    length += data.size();
    return Status::Ok();
  };
  std::string bundle, checkpoints, findings, violations;
  for (const std::string& e : new_entries) tlog::AppendBundleEntry(bundle, e);
  if (new_note) {
    checkpoints = json{{"observed", checkpoints_.back().observed_micros}, {"note", *new_note}}.dump() + "\n";
  }
  for (const Finding& f : result.findings) findings += FindingJson(f).dump() + "\n";
  for (const Violation& v : result.violations) violations += ViolationJson(v).dump() + "\n";
  Files next = *files_;
  RETURN_IF_ERROR(append(kEntriesFile, bundle, next.entries));
  RETURN_IF_ERROR(append(kCheckpointsFile, checkpoints, next.checkpoints));
  RETURN_IF_ERROR(append(kFindingsFile, findings, next.findings));
  RETURN_IF_ERROR(append(kViolationsFile, violations, next.violations));
  RETURN_IF_ERROR(fs_.SyncDir(config_.state_dir));
  json st = {{"entries_bytes", next.entries},     {"checkpoints_bytes", next.checkpoints},
             {"findings_bytes", next.findings},   {"violations_bytes", next.violations},
             {"flagged", flagged_},               {"checkpoint", checkpoint_note_},
             {"size", leaves_.size()}};
  RETURN_IF_ERROR(AtomicWriteFile(fs_, JoinPath(config_.state_dir, kStateFile), st.dump(1) + "\n"));
  *files_ = next;
  return Status::Ok();
}

}  // namespace domicile::monitor
