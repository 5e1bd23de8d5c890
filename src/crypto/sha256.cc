#include "crypto/sha256.h"

// The low-level SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, but
// they are still part of its API and call the same SHA-extension code without the
// provider dispatch, which costs a fixed ≈ 40 ns per hash: a quarter of a Merkle node
// hash (65 bytes), the log's hot path (one leaf and about one node hash per entry).
// The one-shot SHA256() of OpenSSL 3 fetches the algorithm on every call; Sha256()
// below does not.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace domicile::crypto {

struct Sha256Hasher::Impl {
  SHA256_CTX ctx;
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) { Reset(); }
Sha256Hasher::~Sha256Hasher() = default;

// SHA256_Init/Update/Final cannot fail (they return 1 unconditionally).
void Sha256Hasher::Reset() { SHA256_Init(&impl_->ctx); }
void Sha256Hasher::Update(std::string_view data) { SHA256_Update(&impl_->ctx, data.data(), data.size()); }
void Sha256Hasher::Update(const uint8_t* data, size_t size) { SHA256_Update(&impl_->ctx, data, size); }
Digest Sha256Hasher::Final() {
  Digest d;
  SHA256_Final(d.data(), &impl_->ctx);
  return d;
}

Digest Sha256(std::string_view data) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  Digest d;
  SHA256_Final(d.data(), &ctx);
  return d;
}

std::string Sha256String(std::string_view data) {
  Digest d = Sha256(data);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace domicile::crypto
