// Fuzzes the change-stream receiver (vault/replication.h): the signed envelope and
// the batch inside it. Input byte 0 == 0: the rest is a batch payload, signed here
// with a fixed key so the fuzzer reaches the batch parser; otherwise the input is
// the envelope as received. Invariants: an accepted batch re-signs to an equal
// batch, applies to a store, and applying it again changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "store/memory/memory_store.h"
#include "vault/replication.h"

namespace {

using namespace domicile;  // NOLINT(google-build-using-namespace): fuzz glue

const crypto::Ed25519KeyPair& Key() {
  static const crypto::Ed25519KeyPair key = crypto::Ed25519FromSeed(std::string(32, 'k')).value();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input[0] == '\0') {
    const std::string payload = input.substr(1);
    const std::string sig = crypto::Ed25519Sign(Key().seed, "domicile-replication-v1\n" + payload).value();
    input = nlohmann::json({{"v", 1}, {"payload", Base64Encode(payload)}, {"sig", Base64Encode(sig)}}).dump();
  }
  auto batch = vault::OpenBatch(input, Key().public_key, "us-1", "de-b");
  if (!batch.ok()) return 0;
  auto again = vault::OpenBatch(vault::SignBatch(*batch, Key().seed).value(), Key().public_key, "us-1", "de-b");
  if (!again.ok() || !(*again == *batch)) std::abort();
  auto store = store::NewMemoryStore();
  vault::BatchApplier applier(store.get());
  auto applied = applier.Apply(*batch);
  if (!applied.ok()) return 0;  // e.g. several changes of one subject: each is still atomic
  auto first = store->ListSubjects("", 1 << 20).value();
  if (applier.Apply(*batch).value_or(0) != *applied) std::abort();
  if (store->ListSubjects("", 1 << 20).value() != first) std::abort();
  return 0;
}
