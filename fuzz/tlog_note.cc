// Fuzzes signed-note parsing and verification (untrusted: checkpoints fetched from
// a log or a witness). Invariants: no crash; a parsed note's text ends in a
// newline; verification with a known key never succeeds on a forged note.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tlog/note.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile::tlog;
  static const auto verifier =
      std::move(NewVerifier("example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx")).value();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto note = ParseNote(in);
  if (note.ok() && (note->text.empty() || note->text.back() != '\n' || note->signatures.empty())) std::abort();
  const NoteVerifier* known[] = {verifier.get()};
  auto opened = OpenNote(in, known);
  if (opened.ok() && !note.ok()) std::abort();
  NewVerifier(in).status().IgnoreError();
  NewSigner(in).status().IgnoreError();
  return 0;
}
