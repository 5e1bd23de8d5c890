// Fuzzes restore over HTTP (vault/replication.h): the signed export request a backup
// receives, and the export page a restoring enclave receives. Input byte 0 == 0: the
// rest is an export page; == 1: the rest is a request payload, signed here with a
// fixed key so the fuzzer reaches the request parser; otherwise the input is a
// request envelope as received. Invariants: an accepted page re-encodes to an equal
// page; an accepted request re-signs to an equal request.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "vault/replication.h"

namespace {

using namespace domicile;  // NOLINT(google-build-using-namespace): fuzz glue

const crypto::Ed25519KeyPair& Key() {
  static const crypto::Ed25519KeyPair key = crypto::Ed25519FromSeed(std::string(32, 'k')).value();
  return key;
}

constexpr int64_t kNow = 1'800'000'000'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input[0] == '\0') {
    auto page = vault::ParseExportPage(input.substr(1));
    if (!page.ok()) return 0;
    auto again = vault::ParseExportPage(vault::EncodeExportPage(*page));
    if (!again.ok() || !(*again == *page)) std::abort();
    return 0;
  }
  if (!input.empty() && input[0] == '\1') {
    const std::string payload = input.substr(1);
    const std::string sig = crypto::Ed25519Sign(Key().seed, "domicile-replication-export-v1\n" + payload).value();
    input = nlohmann::json({{"v", 1}, {"payload", Base64Encode(payload)}, {"sig", Base64Encode(sig)}}).dump();
  }
  auto request = vault::OpenExportRequest(input, Key().public_key, "us-1", "de-b", kNow);
  if (!request.ok()) return 0;
  auto again = vault::OpenExportRequest(vault::SignExportRequest(*request, Key().seed).value(), Key().public_key,
                                        "us-1", "de-b", kNow);
  if (!again.ok() || !(*again == *request)) std::abort();
  return 0;
}
