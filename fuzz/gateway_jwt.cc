// Fuzzes bearer-token verification and JWK parsing: never crash, and a token the
// fuzzer made up never verifies (it cannot know the private key).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "gateway/jwt.h"

namespace {
class FixedClock final : public domicile::Clock {
 public:
  int64_t NowUnixMicros() override { return 1'800'000'000'000'000; }
  int64_t MonotonicMicros() override { return 0; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile::gateway;  // NOLINT
  static FixedClock clock;
  static const JwtVerifier verifier = [] {
    auto pair = domicile::crypto::Ed25519FromSeed(domicile::crypto::Sha256String("fuzz key"));
    JwtVerifierOptions o;
    o.audience = "domicile";
    o.providers.push_back({"https://idp", {{"k1", pair->public_key}}});
    return *JwtVerifier::Create(o, &clock);
  }();
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (verifier.Verify(input).ok()) std::abort();  // forged without the key
  (void)JwtVerifier::FromAuthorizationHeader(input);
  (void)ParseEd25519Jwk(input);
  return 0;
}
