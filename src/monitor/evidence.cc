#include "monitor/evidence.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "tlog/checkpoint.h"
#include "tlog/proof_format.h"

namespace domicile::monitor {

using nlohmann::json;

std::string FormatMisbehaviourProof(const MisbehaviourProof& p) {
  json j = {{"format", kMisbehaviourFormat}, {"kind", p.kind}, {"detail", p.detail},
            {"smaller", p.smaller},          {"larger", p.larger}};
  if (p.kind == "inconsistent") {
    j["smaller_root_in_larger"] = Base64Encode(p.smaller_root_in_larger);
    json proof = json::array();
    for (const std::string& h : p.consistency_proof) proof.push_back(Base64Encode(h));
    j["consistency_proof"] = proof;
  }
  return j.dump(2) + "\n";
}

Result<MisbehaviourProof> ParseMisbehaviourProof(std::string_view text) {
  if (text.size() > kMaxEvidenceBytes) return InvalidArgumentError("misbehaviour proof: too large");
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("misbehaviour proof: not a JSON object");
  try {
    if (j.at("format").get<std::string>() != kMisbehaviourFormat) {
      return InvalidArgumentError("misbehaviour proof: unknown format");
    }
    MisbehaviourProof p;
    p.kind = j.at("kind").get<std::string>();
    p.smaller = j.at("smaller").get<std::string>();
    p.larger = j.at("larger").get<std::string>();
    if (j.contains("detail")) p.detail = j.at("detail").get<std::string>();
    if (p.kind == "inconsistent") {
      auto root = Base64Decode(j.at("smaller_root_in_larger").get<std::string>());
      if (!root.ok() || root->size() != tlog::kHashSize) {
        return InvalidArgumentError("misbehaviour proof: smaller_root_in_larger is not a base64 hash");
      }
      p.smaller_root_in_larger = std::move(*root);
      const json& proof = j.at("consistency_proof");
      if (!proof.is_array() || proof.size() > tlog::kMaxProofHashes) {
        return InvalidArgumentError("misbehaviour proof: consistency_proof must be an array of at most 63 hashes");
      }
      for (const json& h : proof) {
        auto bytes = Base64Decode(h.get<std::string>());
        if (!bytes.ok() || bytes->size() != tlog::kHashSize) {
          return InvalidArgumentError("misbehaviour proof: consistency_proof holds a bad hash");
        }
        p.consistency_proof.push_back(std::move(*bytes));
      }
    } else if (p.kind != "fork") {
      return InvalidArgumentError("misbehaviour proof: kind must be fork or inconsistent");
    }
    return p;
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("misbehaviour proof: ") + e.what());
  }
}

Status VerifyMisbehaviourProof(const MisbehaviourProof& p, std::span<const tlog::NoteVerifier* const> log_keys) {
  auto a = tlog::OpenCheckpoint(p.smaller, log_keys);
  if (!a.ok()) return a.status().Annotate("misbehaviour proof: first checkpoint");
  auto b = tlog::OpenCheckpoint(p.larger, log_keys);
  if (!b.ok()) return b.status().Annotate("misbehaviour proof: second checkpoint");
  if (a->origin != b->origin) return InvalidArgumentError("misbehaviour proof: checkpoints of different logs");
  if (p.kind == "fork") {
    if (a->size != b->size) return InvalidArgumentError("misbehaviour proof: a fork needs two checkpoints of one size");
    if (a->root == b->root) return InvalidArgumentError("misbehaviour proof: the checkpoints agree");
    return Status::Ok();
  }
  if (a->size >= b->size) return InvalidArgumentError("misbehaviour proof: smaller is not smaller than larger");
  if (a->size == 0) return InvalidArgumentError("misbehaviour proof: every tree extends the empty tree");
  if (tlog::HashBytes(a->root) == p.smaller_root_in_larger) {
    return InvalidArgumentError("misbehaviour proof: the larger tree agrees with the smaller checkpoint");
  }
  Status st = tlog::VerifyConsistency(a->size, b->size, p.consistency_proof, p.smaller_root_in_larger,
                                      tlog::HashBytes(b->root));
  if (!st.ok()) return InvalidArgumentError("misbehaviour proof: the consistency proof does not hold: " + st.message());
  return Status::Ok();
}

Result<MisbehaviourProof> ProveInconsistency(tlog::HashReader& larger_tree, std::string smaller_note,
                                             std::string larger_note, std::string detail) {
  ASSIGN_OR_RETURN(tlog::Checkpoint a, tlog::ParseUnverifiedCheckpoint(smaller_note));
  ASSIGN_OR_RETURN(tlog::Checkpoint b, tlog::ParseUnverifiedCheckpoint(larger_note));
  if (a.size == 0 || a.size >= b.size) return InvalidArgumentError("prove inconsistency: bad sizes");
  ASSIGN_OR_RETURN(tlog::Hash root_at_a, tlog::TreeHash(larger_tree, a.size));
  if (root_at_a == a.root) return FailedPreconditionError("prove inconsistency: the trees are consistent");
  ASSIGN_OR_RETURN(auto proof, tlog::ConsistencyProof(larger_tree, a.size, b.size));
  MisbehaviourProof p;
  p.kind = "inconsistent";
  p.smaller = std::move(smaller_note);
  p.larger = std::move(larger_note);
  p.smaller_root_in_larger = std::string(tlog::HashBytes(root_at_a));
  p.consistency_proof = tlog::HashesToStrings(proof);
  p.detail = std::move(detail);
  return p;
}

}  // namespace domicile::monitor
