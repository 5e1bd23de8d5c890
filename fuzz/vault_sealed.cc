// Fuzzes the parsers of sealed bytes that come back from storage or from people:
// sealed field values, wrapped data keys, Shamir share text and root key files.
// The first input byte picks the parser; the rest is the input. Nothing may crash,
// and nothing forged may open.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/envelope.h"
#include "crypto/keyring.h"
#include "crypto/shamir.h"
#include "fakes/mem_file_system.h"

namespace {

using namespace domicile;  // NOLINT

// The fixed data key the seed corpus's valid sealed value was made with: 32 x 0x07,
// binding ("alice", "profile", "email", 1).
const std::string kDek(32, '\x07');
const crypto::ValueBinding kBinding{"alice", "profile", "email", 1};

crypto::Keyring& FuzzKeyring() {
  static testing::MemFileSystem* fs = new testing::MemFileSystem();
  static crypto::Keyring* k = [] {
    auto c = crypto::FileKeyring::Create(*fs, "/k", {"SG"}, 4);
    if (!c.ok()) std::abort();
    return c->keyring.release();
  }();
  return *k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto view = crypto::ParseSealedValue(in);
      auto opened = crypto::OpenValue(kDek, kBinding, in);
      if (opened.ok() && !view.ok()) std::abort();  // opened what the parser refused
      if (opened.ok() && opened->size() != view->plaintext_size) std::abort();
      break;
    }
    case 1: {
      auto key = FuzzKeyring().UnwrapKey("SG", in, "binding");
      if (key.ok()) std::abort();  // nobody but this keyring wrapped anything
      FuzzKeyring().IsCurrent("SG", in).status().IgnoreError();
      break;
    }
    case 2: {
      auto share = crypto::ParseShare(in);
      if (share.ok()) {
        if (crypto::ParseShare(crypto::FormatShare(*share)).value().y != share->y) std::abort();
        crypto::ShamirCombine({*share, *share}).status().IgnoreError();
      }
      break;
    }
    case 3:
      crypto::ParseRootKeyFile(in).status().IgnoreError();
      break;
  }
  return 0;
}
