#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace domicile::crypto {
namespace {
// OpenSSL allocation failures here mean the process cannot hash at all; there is
// no meaningful recovery, and continuing would risk unverified data.
void Check(int ok) {
  if (ok != 1) std::abort();
}
const EVP_MD* Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // fetched once
  return md;
}
}  // namespace

struct Sha256Hasher::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {
  if (impl_->ctx == nullptr) std::abort();
  Reset();
}
Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Reset() { Check(EVP_DigestInit_ex2(impl_->ctx, Md(), nullptr)); }
void Sha256Hasher::Update(std::string_view data) { Check(EVP_DigestUpdate(impl_->ctx, data.data(), data.size())); }
void Sha256Hasher::Update(const uint8_t* data, size_t size) { Check(EVP_DigestUpdate(impl_->ctx, data, size)); }
Digest Sha256Hasher::Final() {
  Digest d;
  unsigned int len = 0;
  Check(EVP_DigestFinal_ex(impl_->ctx, d.data(), &len));
  return d;
}

Digest Sha256(std::string_view data) {
  Digest d;
  unsigned int len = 0;
  Check(EVP_Digest(data.data(), data.size(), d.data(), &len, Md(), nullptr));
  return d;
}

std::string Sha256String(std::string_view data) {
  Digest d = Sha256(data);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace domicile::crypto
