// Fuzzes a global site's projection receiver (vault/projection.h): the signed
// envelope, the payload sealed to the site's X25519 key, and the projection batch
// inside. Input byte 0 == 0: the rest is a batch payload, sealed and signed here
// with fixed keys so the fuzzer reaches the batch parser; otherwise the input is
// the envelope as received. Invariant: an accepted batch re-seals to an equal batch.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/x25519_seal.h"
#include "vault/projection.h"

namespace {

using namespace domicile;  // NOLINT(google-build-using-namespace): fuzz glue

const crypto::Ed25519KeyPair& Signer() {
  static const crypto::Ed25519KeyPair key = crypto::Ed25519FromSeed(std::string(32, 'k')).value();
  return key;
}

const crypto::X25519KeyPair& SiteKey() {
  static const crypto::X25519KeyPair key = crypto::X25519FromPrivate(std::string(32, 'g')).value();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input[0] == '\0') {
    const std::string sealed =
        crypto::X25519Seal(SiteKey().public_key, input.substr(1), "domicile-projection-v1").value();
    const std::string sig = crypto::Ed25519Sign(Signer().seed, "domicile-projection-v1\n" + sealed).value();
    input = nlohmann::json(
                {{"v", 1}, {"kind", "projection"}, {"payload", Base64Encode(sealed)}, {"sig", Base64Encode(sig)}})
                .dump();
  }
  auto batch = vault::OpenProjectionBatch(input, Signer().public_key, SiteKey().private_key, "us-1", "glob");
  if (!batch.ok()) return 0;
  if (!vault::IsProjectionEnvelope(input)) std::abort();
  auto sealed = vault::SealProjectionBatch(*batch, Signer().seed, SiteKey().public_key);
  if (!sealed.ok()) std::abort();
  auto again = vault::OpenProjectionBatch(*sealed, Signer().public_key, SiteKey().private_key, "us-1", "glob");
  if (!again.ok() || !(*again == *batch)) std::abort();
  return 0;
}
