// Maps (method, path) to a handler. Patterns are '/'-separated segments: literals,
// "{name}" (one non-empty segment, percent-decoded, never containing '/' or NUL) and a
// final "{name...}" (the rest of the path, raw). Built once at start-up, then shared
// read-only across worker threads.
#ifndef DOMICILE_SERVER_ROUTER_H_
#define DOMICILE_SERVER_ROUTER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http.h"

namespace domicile::server {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  // Adds a route. Routes are tried in insertion order; the first match wins.
  void Add(std::string method, std::string pattern, Handler handler);

  // Dispatches: fills request.params and calls the handler, or answers 404 / 405
  // (with Allow) / 400 (bad percent-encoding, a path not starting with '/').
  // `route` receives the matched pattern (for metrics) or "unmatched".
  HttpResponse Dispatch(HttpRequest& request, std::string* route) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  // Returns false if `path` does not match; sets *bad on undecodable parameters.
  static bool Match(const Route& route, std::string_view path, std::map<std::string, std::string>& params,
                    bool* bad);
  std::vector<Route> routes_;
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_ROUTER_H_
