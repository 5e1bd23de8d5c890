#include "scan/internal/structured.h"

#include <zlib.h>

#include <cstring>

namespace domicile::scan::internal {

std::string_view JsonKeyAt(std::string_view line, size_t pos) {
  if (pos >= line.size()) return {};
  // Keys of the enclosing containers: an object records its current key; an
  // array inherits its parent's. Depth is bounded so hostile nesting costs O(1)
  // memory.
  constexpr size_t kMaxDepth = 64;
  std::string_view keys[kMaxDepth];
  bool in_object[kMaxDepth] = {};
  size_t depth = 0;
  std::string_view pending;   // last string seen, a key if ':' follows
  bool expect_key = false;    // in an object, before a member's key
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == '"') {
      size_t start = ++i;
      while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
      size_t end = std::min(i, line.size());
      if (pos >= start - 1 && pos <= end) {
        // Inside this string: a value if it is not a key.
        if (expect_key && depth > 0 && in_object[depth - 1]) return {};
        return depth > 0 ? keys[depth - 1] : std::string_view();
      }
      pending = line.substr(start, end - start);
      ++i;
      continue;
    }
    if (i == pos) return depth > 0 && !expect_key ? keys[depth - 1] : std::string_view();
    switch (c) {
      case '{':
      case '[':
        if (depth == kMaxDepth) return {};
        in_object[depth] = c == '{';
        keys[depth] = depth > 0 ? keys[depth - 1] : std::string_view();
        ++depth;
        expect_key = c == '{';
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        expect_key = false;
        break;
      case ':':
        if (depth > 0 && in_object[depth - 1]) keys[depth - 1] = pending;
        expect_key = false;
        break;
      case ',':
        expect_key = depth > 0 && in_object[depth - 1];
        break;
      default:
        break;
    }
    ++i;
  }
  return {};
}

size_t CsvColumnAt(std::string_view line, size_t pos, char delimiter) {
  size_t column = 0;
  bool quoted = false;
  for (size_t i = 0; i < line.size() && i < pos; ++i) {
    char c = line[i];
    if (c == '"') {
      quoted = !quoted;  // "" inside quotes toggles twice: stays quoted
    } else if (c == delimiter && !quoted) {
      ++column;
    }
  }
  return column;
}

std::vector<std::string> ParseCsvHeader(std::string_view line, char delimiter, size_t max_fields) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      if (fields.size() == max_fields) break;
      fields.emplace_back();
    } else if (c == '\r' || c == '\n') {
      break;
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

bool LooksGzip(std::string_view prefix) {
  return prefix.size() >= 2 && static_cast<unsigned char>(prefix[0]) == 0x1f &&
         static_cast<unsigned char>(prefix[1]) == 0x8b;
}

struct GzipDecoder::State {
  z_stream z{};
  bool initialised = false;
  bool in_member = false;   // inside a member that has not ended yet
  bool any_member = false;  // at least one member header was accepted
  bool failed = false;
};

GzipDecoder::GzipDecoder() : state_(std::make_unique<State>()) {
  // 16 + MAX_WBITS: gzip framing only.
  state_->initialised = inflateInit2(&state_->z, 16 + MAX_WBITS) == Z_OK;
}

GzipDecoder::~GzipDecoder() {
  if (state_->initialised) inflateEnd(&state_->z);
}

Status GzipDecoder::Write(std::string_view in, size_t max_out, std::string& out, size_t& consumed) {
  consumed = 0;
  State& s = *state_;
  if (!s.initialised) return ResourceExhaustedError("gzip: cannot initialise zlib");
  if (s.failed) return DataLossError("gzip: stream is corrupt");
  size_t produced = 0;
  constexpr size_t kStep = 64 * 1024;
  while (produced < max_out) {
    if (!s.in_member) {
      if (consumed == in.size()) break;
      // A new member must start with the magic; anything else after a complete
      // member is trailing garbage.
      if (!LooksGzip(in.substr(consumed)) && in.size() - consumed >= 2) {
        s.failed = true;
        return s.any_member ? DataLossError("gzip: trailing bytes after the last member")
                            : InvalidArgumentError("not a gzip stream");
      }
      if (in.size() - consumed < 2) break;  // wait for more bytes
      s.in_member = true;
      s.any_member = true;
    }
    size_t old = out.size();
    size_t step = std::min(kStep, max_out - produced);
    out.resize(old + step);
    s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
    s.z.avail_in = static_cast<uInt>(std::min<size_t>(in.size() - consumed, 1u << 30));
    s.z.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    s.z.avail_out = static_cast<uInt>(step);
    uInt avail_in_before = s.z.avail_in;
    int rc = inflate(&s.z, Z_NO_FLUSH);
    consumed += avail_in_before - s.z.avail_in;
    size_t got = step - s.z.avail_out;
    out.resize(old + got);
    produced += got;
    if (rc == Z_STREAM_END) {
      s.in_member = false;
      if (inflateReset(&s.z) != Z_OK) {
        s.failed = true;
        return InternalError("gzip: inflateReset failed");
      }
      continue;
    }
    if (rc == Z_BUF_ERROR || (rc == Z_OK && got == 0 && avail_in_before == s.z.avail_in)) {
      break;  // needs more input
    }
    if (rc != Z_OK) {
      s.failed = true;
      return DataLossError(std::string("gzip: ") + (s.z.msg != nullptr ? s.z.msg : "corrupt data"));
    }
  }
  return Status::Ok();
}

Status GzipDecoder::Finish() const {
  if (state_->failed) return DataLossError("gzip: stream is corrupt");
  if (!state_->any_member) return InvalidArgumentError("not a gzip stream");
  if (state_->in_member) return DataLossError("gzip: stream ends inside a member (truncated)");
  return Status::Ok();
}

}  // namespace domicile::scan::internal
