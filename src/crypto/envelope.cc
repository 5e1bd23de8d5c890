#include "crypto/envelope.h"

#include "crypto/aead.h"
#include "crypto/random.h"

namespace domicile::crypto {
namespace {

void PutLengthPrefixed(std::string& out, std::string_view s) {
  const uint32_t n = uint32_t(s.size());
  for (int i = 3; i >= 0; --i) out.push_back(char((n >> (8 * i)) & 0xff));
  out += s;
}

std::string ValueAad(const ValueBinding& b) {
  std::string aad = "domicile-value-v1";
  aad += '\0';
  PutLengthPrefixed(aad, b.subject);
  PutLengthPrefixed(aad, b.collection);
  PutLengthPrefixed(aad, b.field);
  for (int i = 7; i >= 0; --i) aad.push_back(char((b.version >> (8 * i)) & 0xff));
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
  ASSIGN_OR_RETURN(std::string aead, AeadSeal(dek, plaintext, ValueAad(binding)));
  return std::string(1, char(kSealedValueFormat)) + aead;
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
