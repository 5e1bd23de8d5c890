#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace domicile::crypto {
namespace {

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// An HMAC context with SHA-256 already fetched and set, built once; each thread
// duplicates it, so no call pays for algorithm lookup (costly in OpenSSL 3).
const EVP_MAC_CTX* Template() {
  static EVP_MAC_CTX* tmpl = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = mac == nullptr ? nullptr : EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  // the context keeps its own reference
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) std::abort();
    return ctx;
  }();
  return tmpl;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  // HMAC pads short keys with zero bytes, so the empty key equals the key "\0";
  // OpenSSL would read a null/empty key as "keep the previous one".
  static const unsigned char kZero = 0;
  const unsigned char* k = key.empty() ? &kZero : reinterpret_cast<const unsigned char*>(key.data());
  const size_t klen = key.empty() ? 1 : key.size();
  std::string out(kHmacSha256Size, '\0');
  size_t len = 0;
  // One context per thread, re-keyed on every call (cheaper than a fresh one).
  thread_local MacCtx ctx(EVP_MAC_CTX_dup(Template()));
  if (!ctx || EVP_MAC_init(ctx.get(), k, klen, nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) != 1 ||
      len != kHmacSha256Size) {
    std::abort();  // only on allocation failure; no meaningful recovery
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace domicile::crypto
