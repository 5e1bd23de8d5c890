// Serves the audit log as C2SP tlog-tiles (c2sp.org/tlog-tiles) straight from the log
// directory, whose on-disk layout is the publication layout: <dir>/checkpoint,
// <dir>/tile/<L>/<N>[.p/<W>] and <dir>/tile/entries/<N>[.p/<W>]. Only paths in the
// tiles grammar are served (no "..", no other files), with the spec's content types
// and caching: the checkpoint is mutable (cached a few seconds at most), tiles and
// entry bundles are immutable (cached for a year).
#ifndef DOMICILE_SERVER_LOG_PUBLICATION_H_
#define DOMICILE_SERVER_LOG_PUBLICATION_H_

#include <string>
#include <string_view>

#include "common/file.h"
#include "server/http.h"
#include "server/router.h"

namespace domicile::server {

inline constexpr std::string_view kCheckpointCacheControl = "no-cache, max-age=2";
inline constexpr std::string_view kImmutableCacheControl = "public, max-age=31536000, immutable";

// Whether `rest` (the path after "<prefix>/tile/") is a valid tile or entry-bundle
// path: "<L>/<N>[.p/<W>]" with L in 0..63, or "entries/<N>[.p/<W>]"; N encoded in
// 3-digit elements, all but the last prefixed with 'x'; W in 1..255; no leading zeros.
bool IsTilePath(std::string_view rest);

// Adds GET routes /log/checkpoint and /log/tile/{path...} reading from `log_dir`
// through `fs` (which must outlive the router).
void AddLogPublicationRoutes(Router& router, std::string log_dir, FileSystem* fs);

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_LOG_PUBLICATION_H_
