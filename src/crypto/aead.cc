#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
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

// One context per thread, bound to AES-256-GCM once and re-keyed on every call:
// creating a context, or re-binding the cipher, costs more than sealing a
// kilobyte. (A context kept keyed per key was tried, commit 71e3fed: no gain
// once there are thousands of keys, whose contexts, 1.2 KB each, are cold in the
// CPU caches, while a 32-byte key is expanded in ~0.2 us; docs/performance.md.)
EVP_CIPHER_CTX* ThreadCtx() {
  thread_local Ctx ctx = [] {
    Ctx c(EVP_CIPHER_CTX_new());
    if (c && (Cipher() == nullptr || EVP_CipherInit_ex2(c.get(), Cipher(), nullptr, nullptr, 1, nullptr) != 1)) {
      c.reset();
    }
    return c;
  }();
  return ctx.get();
}

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* U(std::string& s, size_t at) { return reinterpret_cast<unsigned char*>(s.data()) + at; }

}  // namespace

Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext, std::string_view aad,
                             std::string_view prefix) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("aead: key must be 32 bytes");
  if (plaintext.size() > (1u << 30)) return InvalidArgumentError("aead: plaintext too large");
  std::string out(prefix.size() + kAeadNonceSize + plaintext.size() + kAeadTagSize, '\0');
  std::copy(prefix.begin(), prefix.end(), out.begin());
  const size_t at = prefix.size();  // nonce | ciphertext | tag from here
  RETURN_IF_ERROR(RandomFill(U(out, at), kAeadNonceSize));
  EVP_CIPHER_CTX* ctx = ThreadCtx();
  int len = 0;
  if (ctx == nullptr || EVP_CipherInit_ex2(ctx, nullptr, U(key), U(out, at), 1, nullptr) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &len, U(aad), int(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx, U(out, at + kAeadNonceSize), &len, U(plaintext), int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, U(out, at + kAeadNonceSize + len), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, int(kAeadTagSize),
                          U(out, at + kAeadNonceSize + plaintext.size())) != 1) {
    return InternalError("aead: OpenSSL AES-256-GCM encryption failed");
  }
  return out;
}

Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("aead: key must be 32 bytes");
  if (sealed.size() < kAeadOverhead) return DataLossError("aead: sealed blob is truncated");
  const size_t ct_size = sealed.size() - kAeadOverhead;
  std::string out(ct_size, '\0');
  unsigned char tag[kAeadTagSize];
  std::copy_n(U(sealed) + kAeadNonceSize + ct_size, kAeadTagSize, tag);
  EVP_CIPHER_CTX* ctx = ThreadCtx();
  int len = 0;
  if (ctx == nullptr || EVP_CipherInit_ex2(ctx, nullptr, U(key), U(sealed), 0, nullptr) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &len, U(aad), int(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx, U(out, 0), &len, U(sealed) + kAeadNonceSize, int(ct_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, int(kAeadTagSize), tag) != 1) {
    return InternalError("aead: OpenSSL AES-256-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx, U(out, len), &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return DataLossError("aead: ciphertext does not authenticate (wrong key, tampered data or wrong binding)");
  }
  return out;
}

}  // namespace domicile::crypto
