#include "scan/source.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "fakes/temp_dir.h"
#include "scan/internal/structured.h"

namespace domicile::scan {
namespace {

std::string Gzip(std::string_view data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void Write(const std::string& path, std::string_view data) {
  std::ofstream(path, std::ios::binary) << data;
}

struct Collected {
  std::vector<std::pair<std::string, LocatedFinding>> findings;
  std::vector<std::pair<std::string, Status>> errors;
  ScanStats stats;
};

Collected Scan(const std::vector<std::string>& paths, SourceOptions options = {}) {
  auto scanner = Scanner::Create();
  EXPECT_TRUE(scanner.ok());
  Collected c;
  auto stats = ScanPaths(
      **scanner, paths, options,
      [&](const std::string& p, const std::vector<LocatedFinding>& f) {
        for (const auto& x : f) c.findings.emplace_back(p, x);
      },
      [&](const std::string& p, const Status& s) { c.errors.emplace_back(p, s); });
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  if (stats.ok()) c.stats = *stats;
  return c;
}

TEST(SourceTest, PlainFileOffsetsAreBytesIntoTheFile) {
  testing::TempDir dir;
  std::string p = dir.path() + "/a.log";
  Write(p, "héllo\nmail bob@example.com\n");
  Collected c = Scan({p});
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].second.finding.offset, 12u);
  EXPECT_EQ(c.findings[0].second.masked, "b**@*******.com");
  EXPECT_EQ(c.stats.bytes, 28u);
}

TEST(SourceTest, ChunkBoundariesLoseAndDuplicateNothing) {
  testing::TempDir dir;
  std::string p = dir.path() + "/big.txt";
  std::string data;
  for (int i = 0; data.size() < 300000; ++i) {
    data += "row " + std::to_string(i) + " user" + std::to_string(i) + "@example.com x\n";
  }
  Write(p, data);
  SourceOptions small;
  small.chunk_bytes = 1;  // rounded up to the minimum chunk
  small.threads = 3;
  Collected c = Scan({p}, small);
  Collected whole = Scan({p});
  ASSERT_EQ(c.findings.size(), whole.findings.size());
  size_t expected = 0;
  for (size_t pos = 0; (pos = data.find('@', pos)) != std::string::npos; ++pos) ++expected;
  EXPECT_EQ(c.findings.size(), expected);
  for (size_t i = 1; i < c.findings.size(); ++i) {
    EXPECT_LT(c.findings[i - 1].second.finding.offset, c.findings[i].second.finding.offset);
  }
}

TEST(SourceTest, JsonKeysAndCsvHeadersGiveContext) {
  testing::TempDir dir;
  Write(dir.path() + "/people.jsonl", "{\"name\":\"x\",\"dob\":\"1990-05-17\",\"shipped\":\"2023-01-02\"}\n");
  Write(dir.path() + "/people.csv", "id,birthday,created\n1,17/05/1990,02/01/2023\n");
  Collected c = Scan({dir.path()});
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_EQ(c.findings[0].first, dir.path() + "/people.csv");
  EXPECT_EQ(c.findings[0].second.finding.entity, Entity::kDateOfBirth);
  EXPECT_EQ(c.findings[0].second.finding.offset, 22u);
  EXPECT_EQ(c.findings[1].second.finding.offset, 19u);
}

TEST(SourceTest, GzipMultiMemberOffsetsAreIntoTheDecompressedStream) {
  testing::TempDir dir;
  std::string p = dir.path() + "/x.log.gz";
  Write(p, Gzip("first line\n") + Gzip("ssn 536-22-1234\n"));
  Collected c = Scan({p});
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].second.finding.offset, 15u);
  EXPECT_EQ(c.stats.bytes, 27u);
  EXPECT_TRUE(c.errors.empty());
}

TEST(SourceTest, LargeGzipStreamsThroughWindows) {
  testing::TempDir dir;
  std::string p = dir.path() + "/big.jsonl.gz";
  std::string data;
  for (int i = 0; data.size() < (20u << 20); ++i) {
    data += "{\"email\":\"u" + std::to_string(i) + "@example.org\",\"pad\":\"" + std::string(200, 'x') + "\"}\n";
  }
  Write(p, Gzip(data));
  SourceOptions o;
  o.chunk_bytes = 1 << 20;
  Collected c = Scan({p}, o);
  size_t expected = 0;
  for (size_t pos = 0; (pos = data.find('@', pos)) != std::string::npos; ++pos) ++expected;
  EXPECT_EQ(c.findings.size(), expected);
  EXPECT_EQ(c.stats.bytes, data.size());
}

TEST(SourceTest, CorruptAndTruncatedGzipAreReportedNotFatal) {
  testing::TempDir dir;
  std::string good = Gzip("bob@example.com\n" + std::string(10000, 'z'));
  Write(dir.path() + "/t.gz", good.substr(0, good.size() - 6));
  Write(dir.path() + "/u.gz", good + "garbage!");
  Collected c = Scan({dir.path()});
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_EQ(c.errors[0].second.code(), StatusCode::kDataLoss);
  EXPECT_EQ(c.errors[1].second.code(), StatusCode::kDataLoss);
  EXPECT_EQ(c.stats.errors, 2u);
}

TEST(SourceTest, MissingPathIsAnError) {
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok());
  auto r = ScanPaths(**scanner, {"/nonexistent/x"}, {}, [](auto&, auto&) {}, [](auto&, auto&) {});
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(SourceTest, SymlinksInTreesAreNotFollowed) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() + "/d");
  Write(dir.path() + "/d/a.txt", "bob@example.com");
  std::filesystem::create_directory_symlink(dir.path() + "/d", dir.path() + "/d/loop");
  Collected c = Scan({dir.path()});
  EXPECT_EQ(c.findings.size(), 1u);
}

TEST(StructuredTest, JsonKeyAt) {
  std::string_view line = R"({"a":"x","b":{"c":["1990-01-01",2]},"d" : "q"})";
  EXPECT_EQ(internal::JsonKeyAt(line, line.find("x")), "a");
  EXPECT_EQ(internal::JsonKeyAt(line, line.find("1990")), "c");
  EXPECT_EQ(internal::JsonKeyAt(line, line.find("q")), "d");
  EXPECT_EQ(internal::JsonKeyAt(line, 2), "");  // inside a key
  EXPECT_EQ(internal::JsonKeyAt("{\"a\":\"unterminated", 8), "a");
  EXPECT_EQ(internal::JsonKeyAt("", 0), "");
}

TEST(StructuredTest, Csv) {
  EXPECT_EQ(internal::CsvColumnAt("1,\"a,b\",x", 8, ','), 2u);
  auto h = internal::ParseCsvHeader("id,\"date \"\"of\"\" birth\",x\r\n", ',');
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1], "date \"of\" birth");
  EXPECT_EQ(internal::ParseCsvHeader("a,b,c,d", ',', 2).size(), 2u);
}

TEST(StructuredTest, GzipDecoderBoundsOutputPerCall) {
  std::string data(100000, 'a');
  std::string gz = Gzip(data);
  internal::GzipDecoder d;
  std::string out;
  size_t used = 0;
  ASSERT_TRUE(d.Write(gz, 1000, out, used).ok());
  EXPECT_LE(out.size(), 1000u);
  std::string_view rest = std::string_view(gz).substr(used);
  while (out.size() < data.size()) {
    size_t before = out.size();
    ASSERT_TRUE(d.Write(rest, 4096, out, used).ok());
    rest.remove_prefix(used);
    ASSERT_GT(out.size(), before);
  }
  EXPECT_EQ(out, data);
  EXPECT_TRUE(d.Finish().ok());
  internal::GzipDecoder bad;
  ASSERT_FALSE(bad.Write("plain text", 100, out, used).ok());
}

}  // namespace
}  // namespace domicile::scan
