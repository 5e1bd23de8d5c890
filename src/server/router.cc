#include "server/router.h"

#include <future>

namespace domicile::server {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  // path starts with '/'; "/a/b" -> {"a","b"}; "/" -> {""}
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(std::string_view s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }
bool IsRest(std::string_view s) { return IsParam(s) && s.size() > 5 && s.substr(s.size() - 4) == "...}"; }

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  AddAsync(std::move(method), std::move(pattern),
           [handler = std::move(handler)](const HttpRequest& request, Responder respond) {
             respond(handler(request));
           });
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  Route r{std::move(method), std::move(pattern), {}, std::move(handler)};
  for (std::string_view s : Split(r.pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

bool Router::Match(const Route& route, std::string_view path, const std::vector<std::string_view>& parts,
                   std::map<std::string, std::string>& params, bool* bad) {
  params.clear();
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (IsRest(seg)) {
      // Everything from here on, raw (the handler validates its own grammar).
      size_t offset = 1;
      for (size_t j = 0; j < i; ++j) offset += parts[j].size() + 1;
      if (i >= parts.size() || offset > path.size()) return false;
      params[seg.substr(1, seg.size() - 5)] = std::string(path.substr(offset));
      return true;
    }
    if (i >= parts.size()) return false;
    if (IsParam(seg)) {
      if (parts[i].empty()) return false;
      auto decoded = PercentDecode(parts[i]);
      if (!decoded || decoded->find('/') != std::string::npos || decoded->find('\0') != std::string::npos) {
        *bad = true;
        return false;
      }
      params[seg.substr(1, seg.size() - 2)] = std::move(*decoded);
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return parts.size() == route.segments.size();
}

void Router::Dispatch(HttpRequest& request, std::string* route, Responder respond) const {
  *route = "unmatched";
  if (request.path.empty() || request.path.front() != '/') {
    return respond(HttpResponse::Error(400, "INVALID_ARGUMENT", "request target must be an absolute path"));
  }
  std::string allow;
  bool bad = false;
  std::map<std::string, std::string> params;
  const std::vector<std::string_view> parts = Split(request.path);
  for (const Route& r : routes_) {
    if (!Match(r, request.path, parts, params, &bad)) continue;
    if (r.method != request.method) {
      if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + r.method;
      continue;
    }
    *route = r.pattern;
    request.params = std::move(params);
    return r.handler(request, std::move(respond));
  }
  if (bad) return respond(HttpResponse::Error(400, "INVALID_ARGUMENT", "malformed percent-encoding in the path"));
  if (!allow.empty()) {
    HttpResponse r = HttpResponse::Error(405, "METHOD_NOT_ALLOWED", "method not allowed on this path");
    r.headers.emplace_back("Allow", allow);
    return respond(std::move(r));
  }
  respond(HttpResponse::Error(404, "NOT_FOUND", "no such resource"));
}

HttpResponse Router::Dispatch(HttpRequest& request, std::string* route) const {
  auto answer = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> response = answer->get_future();
  Dispatch(request, route, [answer](HttpResponse r) { answer->set_value(std::move(r)); });
  return response.get();
}

}  // namespace domicile::server
