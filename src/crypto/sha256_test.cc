#include "crypto/sha256.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace domicile::crypto {
namespace {

std::string Hex(const Digest& d) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, IncrementalMatchesOneShot) {
  std::string data(1000, 'x');
  Sha256Hasher h;
  h.Update(data.substr(0, 333));
  h.Update(data.substr(333));
  EXPECT_EQ(h.Final(), Sha256(data));
  h.Reset();
  h.Update("abc");
  EXPECT_EQ(Hex(h.Final()), Hex(Sha256("abc")));
  EXPECT_EQ(Sha256String("abc").size(), 32u);
}

}  // namespace
}  // namespace domicile::crypto
