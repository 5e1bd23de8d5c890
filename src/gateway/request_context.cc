#include "gateway/request_context.h"

#include <nlohmann/json.hpp>

namespace domicile::gateway {

Status ValidatePurpose(std::string_view purpose) {
  if (purpose.empty() || purpose.size() > kMaxPurposeBytes) {
    return InvalidArgumentError("Domicile-Purpose must be 1 to 64 characters");
  }
  for (char c : purpose) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return InvalidArgumentError("Domicile-Purpose may hold only a-z 0-9 . _ : -");
  }
  return Status::Ok();
}

Status ValidateJustification(std::string_view justification) {
  if (justification.size() > kMaxJustificationBytes) {
    return InvalidArgumentError("Domicile-Justification longer than 512 bytes");
  }
  for (char c : justification) {
    if (c < 0x20 || c > 0x7e) return InvalidArgumentError("Domicile-Justification must be printable ASCII");
  }
  return Status::Ok();
}

Result<RequestContext> BuildRequestContext(const RequestInputs& in, const Locator& locator) {
  if (locator.network_map == nullptr) return InternalError("request context built without a network map");
  RequestContext ctx;
  ctx.request_id = in.request_id;
  ctx.time_unix_micros = in.time_unix_micros;
  if (locator.trusted_proxies != nullptr) {
    ASSIGN_OR_RETURN(ctx.source_ip, ResolveClientAddress(in.peer, in.x_forwarded_for, *locator.trusted_proxies));
  } else {
    ctx.source_ip = in.peer;
  }
  ctx.source_country = locator.network_map->CountryOf(ctx.source_ip);
  if (!in.purpose_header.empty()) {
    RETURN_IF_ERROR(ValidatePurpose(in.purpose_header));
    ctx.purpose = std::string(in.purpose_header);
  }
  RETURN_IF_ERROR(ValidateJustification(in.justification_header));
  ctx.justification = std::string(in.justification_header);
  return ctx;
}

std::string RequestContext::ToCedarContextJson() const {
  nlohmann::json ctx = {
      {"source_ip", {{"__extn", {{"fn", "ip"}, {"arg", source_ip.ToString()}}}}},
      {"source_country", source_country},
      {"purpose", purpose},
      {"justification", justification},
      {"time", time_unix_micros / 1'000'000},
  };
  return ctx.dump();
}

cedar::Value RequestContext::ToCedarContext() const {
  cedar::ExtValue ip;
  ip.kind = cedar::ExtValue::Kind::kIpAddr;
  ip.v6 = !source_ip.is_v4();
  ip.prefix = ip.v6 ? 128 : 32;
  const size_t n = ip.v6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) ip.bytes[i] = source_ip.bytes()[i];
  return cedar::Value::Record({
      {"source_ip", cedar::Value(ip)},
      {"source_country", cedar::Value(source_country)},
      {"purpose", cedar::Value(purpose)},
      {"justification", cedar::Value(justification)},
      {"time", cedar::Value(static_cast<int64_t>(time_unix_micros / 1'000'000))},
  });
}

}  // namespace domicile::gateway
