#include "crypto/x25519_seal.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "crypto/aead.h"
#include "crypto/random.h"

namespace domicile::crypto {
namespace {

constexpr std::string_view kLabel = "domicile-x25519-seal-v1";

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct KdfDeleter {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
};
struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Overwrites a secret before its memory is released.
void Wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

Result<PkeyPtr> LoadPrivate(std::string_view private_key) {
  if (private_key.size() != kX25519KeySize) return InvalidArgumentError("x25519: a private key is 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, U(private_key), private_key.size()));
  if (!key) return InternalError("x25519: cannot load the private key");
  return key;
}

Result<PkeyPtr> LoadPublic(std::string_view public_key) {
  if (public_key.size() != kX25519KeySize) return InvalidArgumentError("x25519: a public key is 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, U(public_key), public_key.size()));
  if (!key) return InvalidArgumentError("x25519: not a public key");
  return key;
}

// X25519(private, peer); InvalidArgument for a peer key of small order (the
// result would be all zeros, which OpenSSL refuses and so do we).
Result<std::string> Agree(EVP_PKEY* own, EVP_PKEY* peer) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new(own, nullptr));
  size_t len = kX25519KeySize;
  std::string shared(kX25519KeySize, '\0');
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(shared.data()), &len) != 1 || len != kX25519KeySize ||
      shared == std::string(kX25519KeySize, '\0')) {
    Wipe(shared);
    return InvalidArgumentError("x25519: no shared secret with this key");
  }
  return shared;
}

// The AEAD key of one message (see the header).
Result<std::string> DeriveKey(std::string& shared, std::string_view enc, std::string_view recipient_public,
                              std::string_view info) {
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  std::string salt = std::string(enc) + std::string(recipient_public);
  std::string full_info = std::string(kLabel) + '\0' + std::string(info);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared.data(), shared.size()),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, full_info.data(), full_info.size()),
                         OSSL_PARAM_construct_end()};
  std::string key(kAeadKeySize, '\0');
  const bool ok =
      ctx && EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(key.data()), key.size(), params) == 1;
  Wipe(shared);
  if (!ok) return InternalError("x25519: HKDF failed");
  return key;
}

std::string PublicOf(EVP_PKEY* key) {
  std::string pub(kX25519KeySize, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != kX25519KeySize) {
    return "";
  }
  return pub;
}

}  // namespace

Result<X25519KeyPair> X25519FromPrivate(std::string_view private_key) {
  ASSIGN_OR_RETURN(PkeyPtr key, LoadPrivate(private_key));
  std::string pub = PublicOf(key.get());
  if (pub.empty()) return InternalError("x25519: cannot derive the public key");
  return X25519KeyPair{std::string(private_key), std::move(pub)};
}

Result<X25519KeyPair> X25519Generate() {
  ASSIGN_OR_RETURN(std::string priv, RandomBytes(kX25519KeySize));
  Result<X25519KeyPair> pair = X25519FromPrivate(priv);
  Wipe(priv);
  return pair;
}

Result<std::string> X25519Seal(std::string_view recipient_public, std::string_view plaintext, std::string_view info) {
  ASSIGN_OR_RETURN(PkeyPtr peer, LoadPublic(recipient_public));
  ASSIGN_OR_RETURN(X25519KeyPair eph, X25519Generate());
  Result<PkeyPtr> own = LoadPrivate(eph.private_key);
  Wipe(eph.private_key);
  if (!own.ok()) return own.status();
  ASSIGN_OR_RETURN(std::string shared, Agree(own->get(), peer.get()));
  ASSIGN_OR_RETURN(std::string key, DeriveKey(shared, eph.public_key, recipient_public, info));
  Result<std::string> sealed = AeadSeal(key, plaintext, info, eph.public_key);
  Wipe(key);
  return sealed;
}

Result<std::string> X25519Open(std::string_view recipient_private, std::string_view sealed, std::string_view info) {
  if (sealed.size() < kX25519SealOverhead) return DataLossError("x25519: sealed message too short");
  ASSIGN_OR_RETURN(PkeyPtr own, LoadPrivate(recipient_private));
  const std::string_view enc = sealed.substr(0, kX25519KeySize);
  Result<PkeyPtr> peer = LoadPublic(enc);
  if (!peer.ok()) return DataLossError("x25519: sealed message has no valid ephemeral key");
  Result<std::string> shared = Agree(own.get(), peer->get());
  if (!shared.ok()) return DataLossError("x25519: sealed message has no valid ephemeral key");
  const std::string recipient_public = PublicOf(own.get());
  if (recipient_public.empty()) return InternalError("x25519: cannot derive the public key");
  ASSIGN_OR_RETURN(std::string key, DeriveKey(*shared, enc, recipient_public, info));
  Result<std::string> plain = AeadOpen(key, sealed.substr(kX25519KeySize), info);
  Wipe(key);
  if (!plain.ok()) return DataLossError("x25519: the message was sealed to another key or altered");
  return plain;
}

}  // namespace domicile::crypto
