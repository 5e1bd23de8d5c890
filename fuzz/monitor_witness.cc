// Fuzzes the witness's add-checkpoint request handling (the body is untrusted
// input from the network). A fresh witness per input has already cosigned a
// checkpoint of size 3 of its one log. Invariants: no crash; only the statuses the
// spec defines; a 200 carries a cosignature that verifies for the submitted
// checkpoint, which is then the witness's latest view (a repeat is accepted again);
// anything else leaves the view unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "tlog/checkpoint.h"
#include "tlog/cosignature.h"
#include "tlog/note.h"
#include "tlog/witness.h"

namespace {

using namespace domicile;

constexpr char kOrigin[] = "fuzz.example/log";
constexpr char kLogKey[] = "fuzz.example/log+ee6b64a8+AaBx6Ki/YRjb5AL4Q3uVKy1pZCi2esButOef3jpVfTfO";
constexpr char kWitnessKey[] = "PRIVATE+KEY+fuzz.example/w+6d1ef7c0+BNmYPYoWSU+GH+iKVEENCosoQbDDOgHbU/BBY7AiZgHH";
constexpr char kSeed[] =
    "old 0\n\nfuzz.example/log\n3\nNmQuc8JUCrEh46a/lUWwokmCzYMOsT080Z3jzmwCHsE=\n\n"
    "\xe2\x80\x94 fuzz.example/log "
    "7mtkqNBSDFLpEfb2tUfkep7rwDgv2EwJUvSBaiUZcRLmdDM/e6x5jJ70ijJiR+bOWPIrOz5yBLlxvjBQ1c/Oveh3LAk=\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  testing::MemFileSystem fs;
  testing::FakeClock clock;
  auto w = tlog::Witness::Open(fs, "/w", kWitnessKey, {{kOrigin, {kLogKey}}}, &clock);
  if (!w.ok() || (*w)->AddCheckpoint(kSeed).status != 200) std::abort();
  const std::string before = (*w)->GetCheckpoint(tlog::OriginHash(kOrigin)).body;

  tlog::WitnessReply r = (*w)->AddCheckpoint(body);
  switch (r.status) {
    case 200: case 400: case 403: case 404: case 409: case 422: break;
    default: std::abort();
  }
  const std::string after = (*w)->GetCheckpoint(tlog::OriginHash(kOrigin)).body;
  if (r.status != 200) {
    if (after != before) std::abort();
    return 0;
  }
  // The new view is the submitted checkpoint, with a cosignature that verifies.
  auto verifier = tlog::NewCosignatureVerifier(*tlog::CosignerVerifierKeyFor(kWitnessKey));
  auto note = tlog::ParseNote(after);
  if (!note.ok()) std::abort();
  const tlog::CosignatureVerifier* v = verifier->get();
  auto cosigs = tlog::VerifyCosignatures(*note, std::span(&v, 1));
  if (!cosigs.ok() || cosigs->size() != 1 || r.body != cosigs->front().line) std::abort();
  auto cp = tlog::ParseUnverifiedCheckpoint(after);
  if (!cp.ok() || cp->origin != kOrigin || cp->size < 3) std::abort();
  return 0;
}
