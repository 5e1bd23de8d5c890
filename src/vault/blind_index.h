// Normalisation of values before they are blind-indexed, so that equal values in
// different spellings ("Alice@Example.org " / "alice@example.org") meet at one
// token. The token itself is a keyed HMAC computed by the Keyring; this file only
// decides what is hashed. Errors never echo the value (it is personal data).
#ifndef DOMICILE_VAULT_BLIND_INDEX_H_
#define DOMICILE_VAULT_BLIND_INDEX_H_

#include <string>
#include <string_view>

#include "common/status.h"
#include "vault/config.h"

namespace domicile::vault {

// kExact: surrounding whitespace trimmed. kEmail: trimmed, lowercased, must have
// one '@' with text on both sides. kPhone: '+' and digits kept, spaces and
// ().-/ dropped, a leading "00" becomes '+'; 6 to 15 digits. InvalidArgument if the
// value does not fit (or kNone is given).
Result<std::string> NormalizeForIndex(Normalizer n, std::string_view value);

}  // namespace domicile::vault

#endif  // DOMICILE_VAULT_BLIND_INDEX_H_
