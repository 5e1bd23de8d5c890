// Fuzzes the tlog-proof and tlog-witness add-checkpoint parsers (untrusted: proofs
// handed to a verifier, bodies posted to a witness). Invariants: no crash; whatever
// parses formats back to exactly the input; verification of parsed input against
// a known key does not crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

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
  return 0;
}
