#include "server/log_publication.h"

namespace domicile::server {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A decimal without leading zeros, within [lo, hi].
bool IsDecimalIn(std::string_view s, int lo, int hi) {
  if (!IsDigits(s) || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v >= lo && v <= hi;
}

// "<N>[.p/<W>]" where N = ("x" DDD "/")* DDD.
bool IsIndexPath(std::string_view s) {
  const size_t partial = s.find(".p/");
  if (partial != std::string_view::npos) {
    if (!IsDecimalIn(s.substr(partial + 3), 1, 255)) return false;
    s = s.substr(0, partial);
  }
  size_t elements = 0;
  while (true) {
    const size_t slash = s.find('/');
    std::string_view element = s.substr(0, slash);
    if (slash == std::string_view::npos) return element.size() == 3 && IsDigits(element);
    if (element.size() != 4 || element[0] != 'x' || !IsDigits(element.substr(1))) return false;
    if (++elements > 7) return false;  // 2^64 needs at most 7 x-elements
    s.remove_prefix(slash + 1);
  }
}

HttpResponse ServeFile(FileSystem* fs, const std::string& path, std::string_view content_type,
                       std::string_view cache_control) {
  auto data = fs->ReadFile(path);
  if (!data.ok()) {
    if (data.status().code() == StatusCode::kNotFound) return HttpResponse::Error(404, "NOT_FOUND", "no such log resource");
    return HttpResponse::Error(503, "UNAVAILABLE", "log resource unreadable");
  }
  HttpResponse r;
  r.content_type = std::string(content_type);
  r.body = std::move(data).value();
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return r;
}

}  // namespace

bool IsTilePath(std::string_view rest) {
  if (rest.starts_with("entries/")) return IsIndexPath(rest.substr(8));
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || !IsDecimalIn(rest.substr(0, slash), 0, 63)) return false;
  return IsIndexPath(rest.substr(slash + 1));
}

void AddLogPublicationRoutes(Router& router, std::string log_dir, FileSystem* fs) {
  router.Add("GET", "/log/checkpoint", [log_dir, fs](const HttpRequest&) {
    return ServeFile(fs, JoinPath(log_dir, "checkpoint"), "text/plain; charset=utf-8", kCheckpointCacheControl);
  });
  router.Add("GET", "/log/tile/{path...}", [log_dir, fs](const HttpRequest& request) {
    const std::string& rest = request.params.at("path");
    if (!IsTilePath(rest)) return HttpResponse::Error(404, "NOT_FOUND", "not a tlog-tiles path");
    return ServeFile(fs, JoinPath(JoinPath(log_dir, "tile"), rest), "application/octet-stream",
                     kImmutableCacheControl);
  });
}

}  // namespace domicile::server
