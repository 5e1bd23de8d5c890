// Fuzzes the tlog-proof and tlog-witness add-checkpoint parsers (untrusted: proofs
// handed to a verifier, bodies posted to a witness), and subtree consistency
// verification on raw input (sign-subtree proofs). Invariants: no crash; whatever
// parses formats back to exactly the input; verification of parsed input against
// a known key does not crash.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tlog/proof_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile::tlog;
  static const auto verifier =
      std::move(NewVerifier("example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx")).value();
  const NoteVerifier* known[] = {verifier.get()};
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto p = ParseTlogProof(in); p.ok()) {
    if (FormatTlogProof(*p) != in) std::abort();
    VerifyTlogProof(*p, HashBytes(HashLeaf("one")), known).status().IgnoreError();
  }
  if (auto r = ParseAddCheckpoint(in); r.ok()) {
    if (FormatAddCheckpoint(*r) != in) std::abort();
    VerifyAddCheckpoint(*r, HashBytes(EmptyRoot()), known).status().IgnoreError();
  }
  // Raw input as (start, end, size) then 32-byte hashes: the first is the subtree
  // hash, the second the root, the rest the proof.
  if (size >= 24) {
    uint64_t v[3];
    std::memcpy(v, data, sizeof(v));
    std::vector<std::string> hashes;
    for (size_t off = 24; off < size && hashes.size() < 80; off += 32) hashes.emplace_back(in.substr(off, 32));
    std::string sub = hashes.size() > 0 ? hashes[0] : "", root = hashes.size() > 1 ? hashes[1] : "";
    std::vector<std::string> proof(hashes.begin() + std::min<size_t>(2, hashes.size()), hashes.end());
    VerifySubtreeConsistency(v[0], v[1], v[2], proof, sub, root).IgnoreError();
    VerifySubtreeConsistency(v[0] % 64, v[1] % 64, v[2] % 64, proof, sub, root).IgnoreError();
  }
  return 0;
}
