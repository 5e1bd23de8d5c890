// Maps (method, path) to a handler. Patterns are '/'-separated segments: literals,
// "{name}" (one non-empty segment, percent-decoded, never containing '/' or NUL) and a
// final "{name...}" (the rest of the path, raw). Built once at start-up, then shared
// read-only across worker threads. A handler answers at once (Handler) or later
// (AsyncHandler: it calls its Responder when the answer may leave, from any thread —
// the data routes wait for their audit entry to be durable without holding a thread).
#ifndef DOMICILE_SERVER_ROUTER_H_
#define DOMICILE_SERVER_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http.h"

namespace domicile::server {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
// Sends the answer to a request. Must be called exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;
// The request is valid only until the handler returns: copy what the answer needs.
using AsyncHandler = std::function<void(const HttpRequest&, Responder)>;

class Router {
 public:
  // Adds a route. Routes are tried in insertion order; the first match wins.
  void Add(std::string method, std::string pattern, Handler handler);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler);

  // Dispatches: fills request.params and calls the handler, or answers 404 / 405
  // (with Allow) / 400 (bad percent-encoding, a path not starting with '/').
  // `route` receives the matched pattern (for metrics) or "unmatched" before
  // `respond` can run.
  void Dispatch(HttpRequest& request, std::string* route, Responder respond) const;
  // The same, waiting for an asynchronous handler's answer (tests, fuzzing).
  HttpResponse Dispatch(HttpRequest& request, std::string* route) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    AsyncHandler handler;
  };
  // Returns false if `path` (split at '/' into `parts`) does not match; sets *bad on
  // undecodable parameters.
  static bool Match(const Route& route, std::string_view path, const std::vector<std::string_view>& parts,
                    std::map<std::string, std::string>& params, bool* bad);
  std::vector<Route> routes_;
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_ROUTER_H_
