// Text encodings of bytes: standard base64 (RFC 4648 §4, padded), base64url
// (§5, unpadded, as JWTs use) and lowercase hex. Decoders are strict: they reject
// bad characters, wrong padding and non-canonical trailing bits.
#ifndef DOMICILE_COMMON_ENCODING_H_
#define DOMICILE_COMMON_ENCODING_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile {

std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

std::string Base64UrlEncode(std::string_view bytes);  // no padding
Result<std::string> Base64UrlDecode(std::string_view text);  // padding not allowed

std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view text);  // either case accepted

}  // namespace domicile

#endif  // DOMICILE_COMMON_ENCODING_H_
