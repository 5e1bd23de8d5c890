#include "crypto/x25519_seal.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace domicile::crypto {
namespace {

TEST(X25519SealTest, OnlyTheRecipientOpensAndEveryMessageDiffers) {
  const X25519KeyPair site = X25519Generate().value();
  ASSERT_EQ(site.public_key.size(), kX25519KeySize);
  EXPECT_EQ(X25519FromPrivate(site.private_key).value().public_key, site.public_key);
  const std::string a = X25519Seal(site.public_key, "interoperable projection", "ctx").value();
  const std::string b = X25519Seal(site.public_key, "interoperable projection", "ctx").value();
  EXPECT_NE(a, b);  // a fresh ephemeral key (and so a fresh AEAD key) per message
  EXPECT_NE(a.substr(0, kX25519KeySize), b.substr(0, kX25519KeySize));
  EXPECT_EQ(a.size(), std::string("interoperable projection").size() + kX25519SealOverhead);
  EXPECT_EQ(a.find("interoperable"), std::string::npos);
  EXPECT_EQ(X25519Open(site.private_key, a, "ctx").value(), "interoperable projection");
  EXPECT_EQ(X25519Open(site.private_key, X25519Seal(site.public_key, "", "").value(), "").value(), "");
}

TEST(X25519SealTest, AnotherSitesKeyCannotOpen) {
  const X25519KeyPair site = X25519Generate().value();
  const X25519KeyPair other = X25519Generate().value();
  const std::string sealed = X25519Seal(site.public_key, "payload", "ctx").value();
  Result<std::string> opened = X25519Open(other.private_key, sealed, "ctx");
  EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(opened.status().ToString().find("payload"), std::string::npos);
}

TEST(X25519SealTest, TamperingTruncationAndAnotherContextFail) {
  const X25519KeyPair site = X25519Generate().value();
  const std::string sealed = X25519Seal(site.public_key, "payload bytes", "ctx").value();
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string t = sealed;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    EXPECT_EQ(X25519Open(site.private_key, t, "ctx").status().code(), StatusCode::kDataLoss) << "byte " << i;
  }
  for (size_t n : {size_t{0}, kX25519KeySize, kX25519SealOverhead - 1, sealed.size() - 1}) {
    EXPECT_EQ(X25519Open(site.private_key, sealed.substr(0, n), "ctx").status().code(), StatusCode::kDataLoss) << n;
  }
  EXPECT_EQ(X25519Open(site.private_key, sealed, "other").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(X25519Open(site.private_key, sealed + "x", "ctx").status().code(), StatusCode::kDataLoss);
}

TEST(X25519SealTest, RefusesBadKeys) {
  const X25519KeyPair site = X25519Generate().value();
  EXPECT_EQ(X25519Seal("short", "m", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(X25519FromPrivate("short").status().code(), StatusCode::kInvalidArgument);
  // A small-order public key (all zeros) gives no shared secret: refused, not sealed.
  EXPECT_EQ(X25519Seal(std::string(kX25519KeySize, '\0'), "m", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(X25519Open("short", X25519Seal(site.public_key, "m", "").value(), "").status().code(),
            StatusCode::kInvalidArgument);
  // An ephemeral key of small order in a message is refused as damage.
  std::string forged = X25519Seal(site.public_key, "m", "").value();
  forged.replace(0, kX25519KeySize, std::string(kX25519KeySize, '\0'));
  EXPECT_EQ(X25519Open(site.private_key, forged, "").status().code(), StatusCode::kDataLoss);
}

// RFC 7748 section 6.1: the public key of Alice's private key.
TEST(X25519SealTest, PublicKeyMatchesRfc7748) {
  const std::string alice = HexDecode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").value();
  EXPECT_EQ(HexEncode(X25519FromPrivate(alice).value().public_key),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
}

}  // namespace
}  // namespace domicile::crypto
