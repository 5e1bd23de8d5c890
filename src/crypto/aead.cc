#include "crypto/aead.h"

#include <openssl/evp.h>

#include <memory>

#include "crypto/random.h"

namespace domicile::crypto {
namespace {
struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* Cipher() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);  // fetched once
  return cipher;
}
// One encryption and one decryption context per thread, bound to AES-256-GCM once
// and re-keyed on every call: creating a context, or re-binding the cipher, costs
// more than sealing a kilobyte. Every call sets key and nonce afresh.
EVP_CIPHER_CTX* ThreadCtx(bool encrypt) {
  auto make = [](int enc) {
    Ctx ctx(EVP_CIPHER_CTX_new());
    if (ctx && (Cipher() == nullptr || EVP_CipherInit_ex2(ctx.get(), Cipher(), nullptr, nullptr, enc, nullptr) != 1)) {
      ctx.reset();
    }
    return ctx;
  };
  thread_local Ctx enc = make(1), dec = make(0);
  return encrypt ? enc.get() : dec.get();
}

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* U(std::string& s, size_t at) { return reinterpret_cast<unsigned char*>(s.data()) + at; }
}  // namespace

Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("aead: key must be 32 bytes");
  if (plaintext.size() > (1u << 30)) return InvalidArgumentError("aead: plaintext too large");
  ASSIGN_OR_RETURN(std::string nonce, RandomBytes(kAeadNonceSize));
  std::string out = nonce;
  out.resize(kAeadNonceSize + plaintext.size() + kAeadTagSize);
  EVP_CIPHER_CTX* ctx = ThreadCtx(true);
  int len = 0;
  if (ctx == nullptr || EVP_EncryptInit_ex2(ctx, nullptr, U(key), U(nonce), nullptr) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &len, U(aad), int(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx, U(out, kAeadNonceSize), &len, U(plaintext), int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, U(out, kAeadNonceSize + len), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, int(kAeadTagSize),
                          U(out, kAeadNonceSize + plaintext.size())) != 1) {
    return InternalError("aead: OpenSSL AES-256-GCM encryption failed");
  }
  return out;
}

Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("aead: key must be 32 bytes");
  if (sealed.size() < kAeadOverhead) return DataLossError("aead: sealed blob is truncated");
  const size_t ct_size = sealed.size() - kAeadOverhead;
  std::string out(ct_size, '\0');
  std::string tag(sealed.substr(kAeadNonceSize + ct_size));
  EVP_CIPHER_CTX* ctx = ThreadCtx(false);
  int len = 0;
  if (ctx == nullptr || EVP_DecryptInit_ex2(ctx, nullptr, U(key), U(sealed), nullptr) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &len, U(aad), int(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx, U(out, 0), &len, U(sealed.substr(kAeadNonceSize)), int(ct_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, int(kAeadTagSize), tag.data()) != 1) {
    return InternalError("aead: OpenSSL AES-256-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx, U(out, len), &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return DataLossError("aead: ciphertext does not authenticate (wrong key, tampered data or wrong binding)");
  }
  return out;
}

}  // namespace domicile::crypto
