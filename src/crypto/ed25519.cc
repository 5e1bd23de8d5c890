#include "crypto/ed25519.h"

#include <openssl/evp.h>

#include <memory>

#include "crypto/random.h"

namespace domicile::crypto {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Result<PkeyPtr> PrivateKey(std::string_view seed) {
  if (seed.size() != kEd25519SeedSize) return InvalidArgumentError("ed25519: private seed must be 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  if (!key) return InternalError("ed25519: cannot load private key");
  return key;
}

}  // namespace

Result<Ed25519KeyPair> Ed25519FromSeed(std::string_view seed) {
  ASSIGN_OR_RETURN(PkeyPtr key, PrivateKey(seed));
  std::string pub(kEd25519PublicKeySize, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != kEd25519PublicKeySize) {
    return InternalError("ed25519: cannot derive public key");
  }
  return Ed25519KeyPair{std::string(seed), std::move(pub)};
}

Result<Ed25519KeyPair> Ed25519Generate() {
  ASSIGN_OR_RETURN(std::string seed, RandomBytes(kEd25519SeedSize));
  return Ed25519FromSeed(seed);
}

struct Ed25519PrivateKey::Key {
  PkeyPtr pkey;
};

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(std::string_view seed) {
  ASSIGN_OR_RETURN(PkeyPtr pkey, PrivateKey(seed));
  return Ed25519PrivateKey(std::make_shared<const Key>(Key{std::move(pkey)}));
}

Result<std::string> Ed25519PrivateKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1) {
    return InternalError("ed25519: sign init failed");
  }
  std::string sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return InternalError("ed25519: sign failed");
  }
  return sig;
}

Result<std::string> Ed25519Sign(std::string_view seed, std::string_view message) {
  ASSIGN_OR_RETURN(Ed25519PrivateKey key, Ed25519PrivateKey::FromSeed(seed));
  return key.Sign(message);
}

bool Ed25519Verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) return false;
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char*>(public_key.data()),
                                          public_key.size()));
  if (!key) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace domicile::crypto
