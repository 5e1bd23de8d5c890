#include "gateway/masking.h"

#include <cmath>
#include <cstdio>

#include "common/encoding.h"
#include "crypto/hmac.h"

namespace domicile::gateway {
namespace {

using nlohmann::json;

constexpr std::string_view kRedacted = "***";

// Length of the leading UTF-8 character of `s` (1 for invalid bytes).
size_t FirstCharLength(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  return std::min(n, s.size());
}

Result<double> Coordinate(const json& v, double limit) {
  if (!v.is_number()) return InvalidArgumentError("coordinate is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > limit) return InvalidArgumentError("coordinate out of range");
  return std::round(d * 10.0) / 10.0;
}

}  // namespace

std::string_view ViewName(View view) {
  switch (view) {
    case View::kPlain: return "plain";
    case View::kMasked: return "masked";
    case View::kPseudonym: return "pseudonym";
    case View::kNone: break;
  }
  return "none";
}

std::optional<View> ViewFromName(std::string_view name) {
  for (View v : {View::kNone, View::kPseudonym, View::kMasked, View::kPlain}) {
    if (ViewName(v) == name) return v;
  }
  return std::nullopt;
}

std::string_view ViewAction(View view) {
  switch (view) {
    case View::kPlain: return "read";
    case View::kMasked: return "read-masked";
    case View::kPseudonym: return "read-pseudonym";
    case View::kNone: break;
  }
  return "";
}

std::optional<MaskKind> MaskKindFromName(std::string_view name) {
  if (name == "redact") return MaskKind::kRedact;
  if (name == "last4") return MaskKind::kLastFour;
  if (name == "year") return MaskKind::kYear;
  if (name == "coordinates") return MaskKind::kCoordinates;
  if (name == "email") return MaskKind::kEmail;
  if (name == "initial") return MaskKind::kInitial;
  return std::nullopt;
}

Result<json> MaskValue(MaskKind kind, const json& value) {
  switch (kind) {
    case MaskKind::kRedact:
      return json(kRedacted);
    case MaskKind::kLastFour: {
      std::string text;
      if (value.is_string()) {
        text = value.get<std::string>();
      } else if (value.is_number_integer()) {
        text = value.dump();
      } else {
        return InvalidArgumentError("last4 mask needs a string or integer");
      }
      size_t digits = 0;
      for (char c : text) digits += (c >= '0' && c <= '9');
      if (digits < 6) return json(kRedacted);  // too short: the last four would be most of it
      size_t keep = 4;
      for (size_t i = text.size(); i-- > 0;) {
        if (text[i] >= '0' && text[i] <= '9') {
          if (keep > 0) {
            --keep;
          } else {
            text[i] = '*';
          }
        } else if (static_cast<unsigned char>(text[i]) >= 0x80) {
          text[i] = '*';  // no non-ASCII survives (could be a digit in another script)
        }
      }
      return json(text);
    }
    case MaskKind::kYear: {
      if (!value.is_string()) return InvalidArgumentError("year mask needs an ISO 8601 date string");
      const std::string& s = value.get_ref<const std::string&>();
      if (s.size() < 4) return InvalidArgumentError("year mask needs an ISO 8601 date string");
      for (int i = 0; i < 4; ++i) {
        if (s[i] < '0' || s[i] > '9') return InvalidArgumentError("year mask needs an ISO 8601 date string");
      }
      if (s.size() > 4 && s[4] != '-') return InvalidArgumentError("year mask needs an ISO 8601 date string");
      return json(s.substr(0, 4));
    }
    case MaskKind::kCoordinates: {
      if (value.is_array() && value.size() == 2) {
        ASSIGN_OR_RETURN(double lat, Coordinate(value[0], 90));
        ASSIGN_OR_RETURN(double lon, Coordinate(value[1], 180));
        return json::array({lat, lon});
      }
      if (value.is_object() && value.size() == 2 && value.contains("lat") && value.contains("lon")) {
        ASSIGN_OR_RETURN(double lat, Coordinate(value["lat"], 90));
        ASSIGN_OR_RETURN(double lon, Coordinate(value["lon"], 180));
        return json{{"lat", lat}, {"lon", lon}};
      }
      if (value.is_string()) {
        double lat = 0, lon = 0;
        char tail = 0;
        if (std::sscanf(value.get_ref<const std::string&>().c_str(), "%lf,%lf%c", &lat, &lon, &tail) != 2) {
          return InvalidArgumentError("coordinates mask needs \"lat,lon\"");
        }
        ASSIGN_OR_RETURN(double mlat, Coordinate(lat, 90));
        ASSIGN_OR_RETURN(double mlon, Coordinate(lon, 180));
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f,%.1f", mlat, mlon);
        return json(buf);
      }
      return InvalidArgumentError("coordinates mask needs [lat, lon], {lat, lon} or \"lat,lon\"");
    }
    case MaskKind::kEmail: {
      if (!value.is_string()) return InvalidArgumentError("email mask needs a string");
      const std::string& s = value.get_ref<const std::string&>();
      const size_t at = s.rfind('@');
      if (at == std::string::npos || at == 0 || at + 1 == s.size()) {
        return InvalidArgumentError("email mask needs local@domain");
      }
      return json(std::string(kRedacted) + s.substr(at));
    }
    case MaskKind::kInitial: {
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return InvalidArgumentError("initial mask needs a non-empty string");
      }
      const std::string& s = value.get_ref<const std::string&>();
      return json(s.substr(0, FirstCharLength(s)) + ".");
    }
  }
  return InternalError("unknown mask kind");
}

Result<std::string> Pseudonymize(std::string_view key, std::string_view field, const json& value) {
  if (key.size() < 32) return FailedPreconditionError("pseudonym key shorter than 32 bytes");
  std::string message = "domicile/pseudonym/v1";
  message += '\0';
  message += field;
  message += '\0';
  try {
    message += value.dump();  // object keys are sorted: the dump is canonical for our values
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError("value is not valid UTF-8");
  }
  return Base64UrlEncode(crypto::HmacSha256(key, message));
}

Result<std::string> SubjectPseudonym(std::string_view key, std::string_view subject_id) {
  return Pseudonymize(key, "subject", json(std::string(subject_id)));
}

}  // namespace domicile::gateway
