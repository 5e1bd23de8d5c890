#include "server/log_publication.h"

#include <gtest/gtest.h>

#include "fakes/mem_file_system.h"

namespace domicile::server {
namespace {

TEST(TilePathTest, AcceptsTheGrammar) {
  for (const char* ok : {"0/000", "0/255", "63/001", "1/x001/234", "0/x001/x234/067", "0/000.p/1", "2/123.p/255",
                         "entries/000", "entries/x001/234.p/17"}) {
    EXPECT_TRUE(IsTilePath(ok)) << ok;
  }
}

TEST(TilePathTest, RejectsEverythingElse) {
  for (const char* bad : {"", "0", "0/", "64/000", "00/000", "01/000", "0/00", "0/0000", "0/x01/234", "0/001/234",
                          "0/x001", "0/000.p/0", "0/000.p/256", "0/000.p/01", "0/000.p/", "0/../000", "../checkpoint",
                          "entries/", "entries/../0/000", "0/000/", "0/x00a/000", "-1/000", "0/000.p/1/x",
                          "0/x000/x000/x000/x000/x000/x000/x000/x000/000"}) {
    EXPECT_FALSE(IsTilePath(bad)) << bad;
  }
}

class LogRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.CreateDirs("/log/tile/0").ok());
    ASSERT_TRUE(fs_.CreateDirs("/log/tile/entries").ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, "/log/checkpoint", "example.com/log\n1\nAAAA\n\n— sig\n").ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, "/log/tile/0/000.p/1", std::string(32, 'h')).ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, "/log/tile/entries/000.p/1", std::string("\0\2hi", 4)).ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, "/log/secret.key", "PRIVATE+KEY").ok());
    AddLogPublicationRoutes(router_, "/log", &fs_);
  }
  HttpResponse Get(std::string_view path) {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    std::string route;
    return router_.Dispatch(r, &route);
  }
  static std::string HeaderOf(const HttpResponse& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }
  testing::MemFileSystem fs_;
  Router router_;
};

TEST_F(LogRoutesTest, CheckpointIsTextAndBrieflyCached) {
  HttpResponse r = Get("/log/checkpoint");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), kCheckpointCacheControl);
  EXPECT_EQ(r.body.substr(0, 16), "example.com/log\n");
}

TEST_F(LogRoutesTest, TilesAndBundlesAreImmutableOctets) {
  for (const char* path : {"/log/tile/0/000.p/1", "/log/tile/entries/000.p/1"}) {
    HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "application/octet-stream");
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), kImmutableCacheControl);
  }
  EXPECT_EQ(Get("/log/tile/entries/000.p/1").body, std::string("\0\2hi", 4));
}

TEST_F(LogRoutesTest, OnlyTilePathsAreServed) {
  EXPECT_EQ(Get("/log/tile/0/001").status, 404);  // valid grammar, absent
  EXPECT_EQ(Get("/log/tile/../secret.key").status, 404);
  EXPECT_EQ(Get("/log/tile/0/../../secret.key").status, 404);
  EXPECT_EQ(Get("/log/secret.key").status, 404);
}

}  // namespace
}  // namespace domicile::server
