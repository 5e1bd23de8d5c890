#include "scan/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "scan/internal/context.h"
#include "scan/internal/structured.h"

namespace domicile::scan {
namespace {

namespace fs = std::filesystem;
using internal::GzipDecoder;

// Bytes shared by neighbouring windows: longer than any finding plus its context,
// so that every finding is seen whole, with its context, by exactly one window.
constexpr size_t kOverlap = 4096;
// How far back a window looks for the start of the line holding a finding.
constexpr size_t kMaxLineBack = kOverlap - 512;
constexpr size_t kMaxHeader = 64 * 1024;
// Findings a source may queue before its worker waits for the output to catch up.
constexpr size_t kMaxQueuedFindings = 1 << 16;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Field names for findings in a JSON Lines or CSV buffer: the line holding the
// finding is located (within kMaxLineBack bytes) and parsed just enough.
class LineFields : public FieldNames {
 public:
  LineFields(std::string_view buffer, Format format, const std::vector<std::string>* header)
      : buffer_(buffer), format_(format), header_(header) {}

  std::string_view FieldAt(size_t offset) const override {
    if (format_ == Format::kText || offset >= buffer_.size()) return {};
    size_t floor = offset > kMaxLineBack ? offset - kMaxLineBack : 0;
    size_t start = offset;
    while (start > floor && buffer_[start - 1] != '\n') --start;
    if (start == floor && floor > 0) return {};  // line longer than we look back
    size_t end = buffer_.find('\n', offset);
    if (end == std::string_view::npos) end = buffer_.size();
    std::string_view line = buffer_.substr(start, end - start);
    if (format_ == Format::kJsonLines) return internal::JsonKeyAt(line, offset - start);
    if (header_ == nullptr) return {};
    size_t column = internal::CsvColumnAt(line, offset - start, format_ == Format::kTsv ? '\t' : ',');
    return column < header_->size() ? std::string_view((*header_)[column]) : std::string_view();
  }

  bool NamesInText() const override { return format_ == Format::kJsonLines; }

  // Text has no field names; a CSV/TSV header is known up front; JSON keys could
  // be anything.
  bool MayName(Entity entity) const override {
    if (format_ == Format::kText) return false;
    if (format_ == Format::kJsonLines) return true;
    if (header_ == nullptr) return false;
    int8_t& known = may_name_[static_cast<size_t>(entity)];
    if (known < 0) {
      known = 0;
      for (const std::string& name : *header_) {
        internal::ContextHit c = internal::FindContext(entity, {}, 0, 0, name);
        if (c.positive || c.negative) known = 1;
      }
    }
    return known == 1;
  }

 private:
  std::string_view buffer_;
  Format format_;
  const std::vector<std::string>* header_;
  mutable std::array<int8_t, kEntityCount> may_name_ = MakeUnknown();  // -1: not yet known

  static std::array<int8_t, kEntityCount> MakeUnknown() {
    std::array<int8_t, kEntityCount> a;
    a.fill(-1);
    return a;
  }
};

// This worker's read buffer, kept from one work unit to the next: a fresh
// chunk-sized allocation per unit would be zeroed and page-faulted in each time.
char* ReadBuffer(size_t size) {
  thread_local std::unique_ptr<char[]> buffer;
  thread_local size_t capacity = 0;
  if (capacity < size) {
    buffer.reset(new char[size]);
    capacity = size;
  }
  return buffer.get();
}

// Scans `window` (which starts at byte `window_offset` of its source) and keeps
// the findings that start in [own_begin, own_end) (source offsets).
std::vector<LocatedFinding> ScanWindow(const Scanner& scanner, std::string_view window,
                                       uint64_t window_offset, uint64_t own_begin,
                                       uint64_t own_end, Format format,
                                       const std::vector<std::string>* header) {
  LineFields fields(window, format, header);
  std::vector<LocatedFinding> out;
  for (const Finding& f : scanner.Scan(window, &fields)) {
    uint64_t at = window_offset + f.offset;
    if (at < own_begin || at >= own_end) continue;
    LocatedFinding lf;
    lf.finding = f;
    lf.finding.offset = at;
    lf.masked = MaskValue(window.substr(f.offset, f.length), f.entity);
    out.push_back(std::move(lf));
  }
  return out;
}

struct Source {
  std::string path;     // as reported
  std::string os_path;  // as opened ("" for stdin)
  uint64_t size = 0;
  Format format = Format::kText;
  bool stream = false;  // gzip or stdin: read sequentially by one worker
};

struct Item {
  size_t source;
  uint64_t begin;
  uint64_t end;
  bool last_of_source;
};

// Output of one work item, handed from its worker to the output thread.
struct Slot {
  std::deque<std::vector<LocatedFinding>> batches;
  size_t queued = 0;
  std::vector<Status> errors;
  uint64_t bytes = 0;
  bool done = false;
};

class Runner {
 public:
  Runner(const Scanner& scanner, const SourceOptions& options, std::vector<Source> sources,
         std::vector<Item> items)
      : scanner_(scanner), options_(options), sources_(std::move(sources)),
        items_(std::move(items)), slots_(items_.size()) {}

  ScanStats Run(const FindingSink& on_findings, const ErrorSink& on_error);

 private:
  void Work();
  void Process(size_t index);
  void ProcessChunk(size_t index, const Source& src, const Item& item);
  void ProcessStream(size_t index, const Source& src);
  void Push(size_t index, std::vector<LocatedFinding> batch);
  void Fail(size_t index, Status error);
  std::vector<std::string> ReadHeader(int fd, const Source& src);

  const Scanner& scanner_;
  const SourceOptions& options_;
  const std::vector<Source> sources_;
  const std::vector<Item> items_;
  size_t max_in_flight_ = 1;

  std::atomic<size_t> next_item_{0};
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Slot> slots_;  // guarded by mu_
  size_t emit_index_ = 0;    // guarded by mu_: the item being output
};

void Runner::Push(size_t index, std::vector<LocatedFinding> batch) {
  if (batch.empty()) return;
  std::unique_lock<std::mutex> lock(mu_);
  // Bounded memory: a source far ahead of the output waits for it.
  changed_.wait(lock, [&] { return slots_[index].queued < kMaxQueuedFindings || emit_index_ == index; });
  slots_[index].queued += batch.size();
  slots_[index].batches.push_back(std::move(batch));
  changed_.notify_all();
}

void Runner::Fail(size_t index, Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  slots_[index].errors.push_back(std::move(error));
}

std::vector<std::string> Runner::ReadHeader(int fd, const Source& src) {
  if (src.format != Format::kCsv && src.format != Format::kTsv) return {};
  std::string buf(kMaxHeader, '\0');
  ssize_t n = pread(fd, buf.data(), buf.size(), 0);
  if (n <= 0) return {};
  buf.resize(static_cast<size_t>(n));
  return internal::ParseCsvHeader(buf, src.format == Format::kTsv ? '\t' : ',');
}

void Runner::ProcessChunk(size_t index, const Source& src, const Item& item) {
  int fd = open(src.os_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(index, UnavailableError(std::string("open: ") + std::strerror(errno)));
  std::vector<std::string> header = ReadHeader(fd, src);
  uint64_t from = item.begin > kOverlap ? item.begin - kOverlap : 0;
  uint64_t to = std::min(src.size, item.end + kOverlap);
  const size_t want = to - from;
  char* buf = ReadBuffer(want);
  size_t have = 0;
  while (have < want) {
    ssize_t n = pread(fd, buf + have, want - have, static_cast<off_t>(from + have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = UnavailableError(std::string("read: ") + std::strerror(errno));
      close(fd);
      return Fail(index, st);
    }
    if (n == 0) break;  // the file shrank while we scanned it
    have += static_cast<size_t>(n);
  }
  close(fd);
  Push(index, ScanWindow(scanner_, std::string_view(buf, have), from, item.begin, item.end, src.format,
                         header.empty() ? nullptr : &header));
  std::lock_guard<std::mutex> lock(mu_);
  slots_[index].bytes += std::min<uint64_t>(item.end, from + have) - std::min(item.begin, from + have);
}

void Runner::ProcessStream(size_t index, const Source& src) {
  int fd = src.os_path.empty() ? dup(STDIN_FILENO) : open(src.os_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(index, UnavailableError(std::string("open: ") + std::strerror(errno)));
  std::string raw(1 << 20, '\0');
  size_t raw_have = 0;
  bool eof = false;
  std::optional<bool> gzip;  // decided from the first bytes
  GzipDecoder decoder;
  // window = [window_offset, window_offset + window.size()) of the decoded stream;
  // findings starting before own_begin were reported by the previous window.
  std::string window;
  uint64_t window_offset = 0;
  uint64_t own_begin = 0;
  std::vector<std::string> header;
  bool header_read = false;
  Status status;
  const size_t chunk = std::max<size_t>(options_.chunk_bytes, 4 * kOverlap);
  while (status.ok()) {
    // Fill `window` up to chunk bytes, or to the end of the stream.
    while (status.ok() && window.size() < chunk) {
      if (!eof && raw_have < raw.size()) {
        ssize_t n = read(fd, raw.data() + raw_have, raw.size() - raw_have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          status = UnavailableError(std::string("read: ") + std::strerror(errno));
          break;
        }
        if (n == 0) eof = true;
        raw_have += static_cast<size_t>(n);
      }
      if (!gzip.has_value()) {
        if (raw_have < 2 && !eof) continue;
        gzip = internal::LooksGzip(std::string_view(raw.data(), raw_have));
      }
      size_t used = 0;
      size_t before = window.size();
      if (*gzip) {
        status = decoder.Write(std::string_view(raw.data(), raw_have), chunk - window.size(), window, used);
      } else {
        used = std::min(raw_have, chunk - window.size());
        window.append(raw.data(), used);
      }
      std::memmove(raw.data(), raw.data() + used, raw_have - used);
      raw_have -= used;
      if (eof && used == 0 && window.size() == before) break;  // nothing more to come
    }
    if (!header_read) {
      header_read = true;
      size_t nl = window.find('\n');
      header = internal::ParseCsvHeader(std::string_view(window).substr(0, std::min(nl, kMaxHeader)),
                                        src.format == Format::kTsv ? '\t' : ',');
      if (src.format != Format::kCsv && src.format != Format::kTsv) header.clear();
    }
    bool last = !status.ok() || window.size() < chunk;
    uint64_t own_end = last ? window_offset + window.size() : window_offset + window.size() - kOverlap;
    Push(index, ScanWindow(scanner_, window, window_offset, own_begin, own_end, src.format,
                           header.empty() ? nullptr : &header));
    {
      std::lock_guard<std::mutex> lock(mu_);
      slots_[index].bytes = own_end;
    }
    if (last) break;
    // Keep 2 * kOverlap bytes: context before own_end and the overlap after.
    size_t keep = std::min(window.size(), 2 * kOverlap);
    window_offset += window.size() - keep;
    window.erase(0, window.size() - keep);
    own_begin = own_end;
  }
  close(fd);
  if (status.ok() && gzip.value_or(false)) status = decoder.Finish();
  if (!status.ok()) Fail(index, status);
}

void Runner::Process(size_t index) {
  const Item& item = items_[index];
  const Source& src = sources_[item.source];
  if (src.stream) {
    ProcessStream(index, src);
  } else {
    ProcessChunk(index, src, item);
  }
  std::lock_guard<std::mutex> lock(mu_);
  slots_[index].done = true;
  changed_.notify_all();
}

void Runner::Work() {
  for (;;) {
    size_t index = next_item_.fetch_add(1);
    if (index >= items_.size()) return;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [&] { return index < emit_index_ + max_in_flight_; });
    }
    Process(index);
  }
}

ScanStats Runner::Run(const FindingSink& on_findings, const ErrorSink& on_error) {
  int threads = options_.threads > 0 ? options_.threads
                                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  max_in_flight_ = options_.max_in_flight > 0 ? options_.max_in_flight : 2 * static_cast<size_t>(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back([this] { Work(); });

  ScanStats stats;
  uint64_t total = 0;
  for (const Source& s : sources_) total += s.size;
  uint64_t done_bytes = 0;
  for (size_t index = 0; index < items_.size(); ++index) {
    const Source& src = sources_[items_[index].source];
    for (;;) {
      std::vector<LocatedFinding> batch;
      std::vector<Status> errors;
      bool done;
      {
        std::unique_lock<std::mutex> lock(mu_);
        Slot& slot = slots_[index];
        changed_.wait(lock, [&] { return slot.done || !slot.batches.empty(); });
        if (!slot.batches.empty()) {
          batch = std::move(slot.batches.front());
          slot.batches.pop_front();
          slot.queued -= batch.size();
          changed_.notify_all();
        }
        done = slot.done && slot.batches.empty();
        if (done) {
          errors = std::move(slot.errors);
          stats.bytes += slot.bytes;
          emit_index_ = index + 1;
          changed_.notify_all();
        }
      }
      if (!batch.empty()) {
        stats.findings += batch.size();
        on_findings(src.path, batch);
      }
      for (const Status& e : errors) {
        ++stats.errors;
        on_error(src.path, e);
      }
      if (done) break;
    }
    Item item = items_[index];
    done_bytes += src.stream ? src.size : item.end - item.begin;
    if (item.last_of_source) ++stats.sources;
    if (options_.progress) options_.progress(done_bytes, total);
  }
  for (std::thread& t : workers) t.join();
  return stats;
}

Status CollectSources(const std::string& path, std::vector<Source>& out, const ErrorSink& on_error) {
  if (path == "-") {
    out.push_back({"-", "", 0, Format::kText, true});
    return Status::Ok();
  }
  std::error_code ec;
  fs::file_status st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st)) return NotFoundError(path + ": no such file or directory");
  if (fs::is_symlink(st)) st = fs::status(path, ec);  // a named link is followed once
  auto add_file = [&](const fs::path& p) {
    std::error_code size_ec;
    uint64_t size = fs::file_size(p, size_ec);
    if (size_ec) {
      on_error(p.string(), UnavailableError(size_ec.message()));
      return;
    }
    Source s;
    s.path = p.string();
    s.os_path = s.path;
    s.size = size;
    s.format = FormatForPath(s.path);
    char magic[2] = {0, 0};
    int fd = open(s.os_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      on_error(s.path, UnavailableError(std::string("open: ") + std::strerror(errno)));
      return;
    }
    s.stream = pread(fd, magic, 2, 0) == 2 && internal::LooksGzip(std::string_view(magic, 2));
    close(fd);
    out.push_back(std::move(s));
  };
  if (fs::is_regular_file(st)) {
    add_file(path);
    return Status::Ok();
  }
  if (!fs::is_directory(st)) return InvalidArgumentError(path + ": not a regular file or directory");
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  if (ec) return UnavailableError(path + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      on_error(path, UnavailableError(ec.message()));
      break;
    }
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && !it->is_symlink(type_ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) add_file(f);
  return Status::Ok();
}

}  // namespace

Format FormatForPath(std::string_view path) {
  std::string p = Lower(path);
  if (EndsWith(p, ".gz")) p.resize(p.size() - 3);
  if (EndsWith(p, ".jsonl") || EndsWith(p, ".ndjson") || EndsWith(p, ".json")) return Format::kJsonLines;
  if (EndsWith(p, ".csv")) return Format::kCsv;
  if (EndsWith(p, ".tsv")) return Format::kTsv;
  return Format::kText;
}

Result<ScanStats> ScanPaths(const Scanner& scanner, const std::vector<std::string>& paths,
                            const SourceOptions& options, const FindingSink& on_findings,
                            const ErrorSink& on_error) {
  std::vector<Source> sources;
  for (const std::string& p : paths) RETURN_IF_ERROR(CollectSources(p, sources, on_error));
  const uint64_t chunk = std::max<uint64_t>(options.chunk_bytes, 4 * kOverlap);
  std::vector<Item> items;
  for (size_t i = 0; i < sources.size(); ++i) {
    const Source& s = sources[i];
    if (s.stream || s.size <= chunk) {
      items.push_back({i, 0, s.size, true});
      continue;
    }
    for (uint64_t b = 0; b < s.size; b += chunk) {
      items.push_back({i, b, std::min(s.size, b + chunk), b + chunk >= s.size});
    }
  }
  Runner runner(scanner, options, std::move(sources), std::move(items));
  return runner.Run(on_findings, on_error);
}

std::vector<LocatedFinding> ScanBuffer(const Scanner& scanner, std::string_view data, Format format) {
  std::vector<std::string> header;
  if (format == Format::kCsv || format == Format::kTsv) {
    header = internal::ParseCsvHeader(data.substr(0, std::min(data.find('\n'), kMaxHeader)),
                                      format == Format::kTsv ? '\t' : ',');
  }
  return ScanWindow(scanner, data, 0, 0, data.size(), format, header.empty() ? nullptr : &header);
}

}  // namespace domicile::scan
