// Just enough structure of JSON Lines and CSV to name the field a finding sits in
// (for context scoring), and the gzip framing (multi-member streams). These parse
// untrusted bytes: they never read outside their input, never allocate more than
// a bounded amount, and treat malformed input as "no field" rather than failing.
#ifndef DOMICILE_SCAN_INTERNAL_STRUCTURED_H_
#define DOMICILE_SCAN_INTERNAL_STRUCTURED_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::scan::internal {

// The key of the JSON member whose value contains byte `pos` of `line` (one JSON
// Lines record, possibly truncated), or "" when `pos` is not inside a member
// value (inside a key, between members, malformed input). For nested values the
// innermost key wins; inside arrays, the key of the array. The result is the raw
// key text between the quotes (escapes not decoded) and views into `line`.
std::string_view JsonKeyAt(std::string_view line, size_t pos);

// The zero-based column of byte `pos` of one CSV record (RFC 4180 quoting with
// `delimiter`). A quoted field spanning lines is not followed across lines.
size_t CsvColumnAt(std::string_view line, size_t pos, char delimiter);

// The fields of a CSV header line (quotes removed, "" unescaped), at most
// `max_fields` of them.
std::vector<std::string> ParseCsvHeader(std::string_view line, char delimiter,
                                        size_t max_fields = 4096);

// Incremental gzip decoder: multi-member streams (as `cat a.gz b.gz` makes) are
// decoded as one. Feed compressed bytes with Write(); each call returns the
// bytes decoded so far into `out` (appended). Finish() reports a stream that ended
// inside a member (kDataLoss) or that is not gzip at all (kInvalidArgument).
class GzipDecoder {
 public:
  GzipDecoder();
  ~GzipDecoder();
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  // Decodes `in`, appending to `out`, never more than `max_out` bytes per call:
  // what is left is kept and returned by the next calls (Write with empty input).
  // `consumed` is set to how much of `in` was used; the caller re-offers the rest.
  Status Write(std::string_view in, size_t max_out, std::string& out, size_t& consumed);
  Status Finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// True if `prefix` starts with the gzip magic bytes.
bool LooksGzip(std::string_view prefix);

}  // namespace domicile::scan::internal

#endif  // DOMICILE_SCAN_INTERNAL_STRUCTURED_H_
