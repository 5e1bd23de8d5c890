#include "crypto/envelope.h"

#include "crypto/aead.h"
#include "crypto/random.h"

namespace domicile::crypto {
namespace {

void PutU32(std::string& out, uint32_t n) {
  const char b[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  out.append(b, 4);
}

void PutLengthPrefixed(std::string& out, std::string_view s) {
  PutU32(out, uint32_t(s.size()));
  out += s;
}

// The AAD of a sealed value, built in a per-thread buffer that keeps its capacity
// (no allocation per value). Valid until the thread's next call.
std::string_view ValueAad(const ValueBinding& b) {
  constexpr std::string_view kLabel("domicile-value-v1\0", 18);
  thread_local std::string aad;
  aad.clear();
  aad += kLabel;
  PutLengthPrefixed(aad, b.subject);
  PutLengthPrefixed(aad, b.collection);
  PutLengthPrefixed(aad, b.field);
  PutU32(aad, uint32_t(b.version >> 32));
  PutU32(aad, uint32_t(b.version));
  aad.push_back(char(kSealedValueFormat));
  return aad;
}

}  // namespace

Result<std::string> NewDataKey() { return RandomBytes(kDataKeySize); }

std::string DataKeyBinding(std::string_view subject, std::string_view home) {
  std::string aad = "domicile-subject-dek-v1";
  aad += '\0';
  PutLengthPrefixed(aad, subject);
  PutLengthPrefixed(aad, home);
  return aad;
}

Result<std::string> SealValue(std::string_view dek, const ValueBinding& binding, std::string_view plaintext) {
  if (plaintext.size() > kMaxSealedPlaintext) return ResourceExhaustedError("envelope: value larger than 1 MiB");
  const char format = char(kSealedValueFormat);
  return AeadSeal(dek, plaintext, ValueAad(binding), std::string_view(&format, 1));
}

Result<SealedValueView> ParseSealedValue(std::string_view sealed) {
  if (sealed.empty()) return DataLossError("sealed value: empty");
  if (uint8_t(sealed[0]) != kSealedValueFormat) {
    return DataLossError("sealed value: unknown format " + std::to_string(uint8_t(sealed[0])));
  }
  if (sealed.size() < 1 + kAeadOverhead) return DataLossError("sealed value: truncated");
  SealedValueView v;
  v.format = kSealedValueFormat;
  v.aead = sealed.substr(1);
  v.plaintext_size = v.aead.size() - kAeadOverhead;
  if (v.plaintext_size > kMaxSealedPlaintext) return DataLossError("sealed value: oversized");
  return v;
}

Result<std::string> OpenValue(std::string_view dek, const ValueBinding& binding, std::string_view sealed) {
  ASSIGN_OR_RETURN(SealedValueView v, ParseSealedValue(sealed));
  auto plain = AeadOpen(dek, v.aead, ValueAad(binding));
  if (!plain.ok()) {
    return DataLossError("sealed value of " + std::string(binding.collection) + "." + std::string(binding.field) +
                         " does not authenticate: tampered, moved from another subject/field/version, or wrong key");
  }
  return plain;
}

}  // namespace domicile::crypto
