// Where the scanner reads from: files and directory trees (plain text, JSON Lines,
// CSV, each optionally gzip-compressed) and stdin. Files are scanned in parallel,
// large files in parallel chunks, with bounded memory whatever the input size.
// Results reach the caller in a deterministic order (paths sorted, offsets
// ascending) on the calling thread.
#ifndef DOMICILE_SCAN_SOURCE_H_
#define DOMICILE_SCAN_SOURCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scan/entity.h"
#include "scan/scanner.h"

namespace domicile::scan {

// A finding with where it was found and its masked value (never the value).
struct LocatedFinding {
  Finding finding;  // offset: bytes into the file (decompressed bytes for gzip)
  std::string masked;
};

// How the bytes of a source are structured; decides how field names are found.
enum class Format { kText, kJsonLines, kCsv, kTsv };

// The format a path's name implies ("x.jsonl.gz" -> kJsonLines).
Format FormatForPath(std::string_view path);

struct SourceOptions {
  int threads = 0;                       // 0: one per hardware thread
  size_t chunk_bytes = 8u << 20;         // work unit for large plain files
  size_t max_in_flight = 0;              // 0: 2 * threads work units ahead of output
  // Called on the calling thread after each work unit: bytes done, bytes known.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Receives the findings of one source, in order, possibly over several calls.
using FindingSink = std::function<void(const std::string& path, const std::vector<LocatedFinding>&)>;
// Receives a per-source problem (unreadable file, corrupt gzip); the scan goes on.
using ErrorSink = std::function<void(const std::string& path, const Status& error)>;

struct ScanStats {
  uint64_t sources = 0;
  uint64_t bytes = 0;
  uint64_t findings = 0;
  uint64_t errors = 0;
};

// Scans each path: a regular file, or a directory walked recursively (symbolic
// links and special files are skipped, not followed). "-" is stdin. Returns an
// error only if nothing could be started (e.g. a path does not exist); per-file
// problems go to `on_error` and are counted.
Result<ScanStats> ScanPaths(const Scanner& scanner, const std::vector<std::string>& paths,
                            const SourceOptions& options, const FindingSink& on_findings,
                            const ErrorSink& on_error);

// Scans an in-memory buffer with the structure `format` (field names from the
// JSON keys or the CSV header line at the start of `data`). Used by the egress
// guard and tests.
std::vector<LocatedFinding> ScanBuffer(const Scanner& scanner, std::string_view data, Format format);

}  // namespace domicile::scan

#endif  // DOMICILE_SCAN_SOURCE_H_
