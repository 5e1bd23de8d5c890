// Fuzz target for the RocksDB backend's decoders of stored bytes (keys and
// values read back from disk are untrusted: a corrupted or tampered database
// must give kDataLoss, never a crash). Input: one byte picks the decoder, the
// rest is the stored bytes. Whatever decodes must survive re-encoding, and keys,
// which have exactly one encoding, must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/rocksdb/key_codec.h"

namespace layout = domicile::store::rocksdb_layout;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto r = layout::DecodeSubject("id", in);
      if (r.ok()) {
        auto again = layout::DecodeSubject("id", layout::EncodeSubject(*r));
        if (!again.ok() || !(*again == *r)) std::abort();
      }
      break;
    }
    case 1: {
      auto f = layout::DecodeField("c", "f", in);
      if (f.ok()) {
        auto again = layout::DecodeField("c", "f", layout::EncodeField(*f));
        if (!again.ok() || !(*again == *f)) std::abort();
      }
      break;
    }
    case 2: {
      std::string collection, field;
      if (layout::ParseFieldKeySuffix(in, &collection, &field).ok() &&
          layout::FieldKey("s", collection, field) != layout::FieldPrefix("s") + std::string(in)) {
        std::abort();  // keys have exactly one encoding
      }
      break;
    }
    case 3: {
      std::string_view rest = in;
      std::string out;
      if (layout::ConsumeComponent(&rest, &out)) {
        std::string again;
        layout::AppendComponent(&again, out);
        if (again != in.substr(0, in.size() - rest.size())) std::abort();
      }
      break;
    }
  }
  return 0;
}
