#include "crypto/ed25519.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace domicile::crypto {
namespace {

// RFC 8032 §7.1, TEST 2.
TEST(Ed25519Test, Rfc8032Vector) {
  std::string seed = *HexDecode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  auto kp = Ed25519FromSeed(seed);
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(HexEncode(kp->public_key), "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  auto sig = Ed25519Sign(seed, std::string("\x72", 1));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(HexEncode(*sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_TRUE(Ed25519Verify(kp->public_key, std::string("\x72", 1), *sig));
}

TEST(Ed25519Test, RejectsTamperingAndMalformedInput) {
  auto kp = Ed25519Generate();
  ASSERT_TRUE(kp.ok());
  auto sig = Ed25519Sign(kp->seed, "message");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(Ed25519Verify(kp->public_key, "message", *sig));
  EXPECT_FALSE(Ed25519Verify(kp->public_key, "messagE", *sig));
  std::string bad = *sig;
  bad[10] ^= 1;
  EXPECT_FALSE(Ed25519Verify(kp->public_key, "message", bad));
  EXPECT_FALSE(Ed25519Verify(kp->public_key.substr(1), "message", *sig));
  EXPECT_FALSE(Ed25519Verify(kp->public_key, "message", sig->substr(1)));
  EXPECT_EQ(Ed25519Sign("short", "m").status().code(), StatusCode::kInvalidArgument);
}

TEST(Ed25519Test, LoadedKeySignsLikeTheSeedAndIsSharedByCopies) {
  auto kp = Ed25519Generate();
  ASSERT_TRUE(kp.ok());
  auto key = Ed25519PrivateKey::FromSeed(kp->seed);
  ASSERT_TRUE(key.ok());
  const Ed25519PrivateKey copy = *key;
  for (std::string message : {"", "one", "two"}) {
    auto sig = copy.Sign(message);
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(*sig, *Ed25519Sign(kp->seed, message));  // Ed25519 is deterministic
    EXPECT_TRUE(Ed25519Verify(kp->public_key, message, *sig));
  }
  EXPECT_EQ(Ed25519PrivateKey::FromSeed("short").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace domicile::crypto
