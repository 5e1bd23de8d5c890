// Tamper detection and foreign logs: flipping any byte of an entry bundle, a tile
// or the checkpoint, truncating a file, or reordering entries makes the audit fail
// and name what is wrong; the Tessera-written log in ../shared audits clean.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "fakes/mem_file_system.h"
#include "fakes/temp_dir.h"
#include "tlog/appender.h"
#include "tlog/log_reader.h"

namespace domicile::tlog {
namespace {

using testing::MemFileSystem;

constexpr char kTesseraVkey[] = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

// The files a checkpoint of `size` covers.
std::vector<std::string> CoveredFiles(uint64_t size) {
  std::vector<std::string> out = {"checkpoint"};
  for (uint64_t b = 0; b * kTileWidth < size; ++b) out.push_back(EntriesPath(b, TileWidth(0, b, size)));
  for (int l = 0; l < 8; ++l) {
    for (uint64_t t = 0; TileWidth(l, t, size) != 0; ++t) out.push_back(TilePath(l, t, TileWidth(l, t, size)));
  }
  return out;
}

class TamperTest : public ::testing::Test {
 protected:
  void Build(int entries) {
    auto kp = GenerateNoteKey("example.com/audit");
    verifier_ = std::move(NewVerifier(kp->verifier_key)).value();
    ASSERT_TRUE(CreateLog(fs_, "log", "example.com/audit", kp->private_key).ok());
    auto a = std::move(Appender::Open(fs_, "log", kp->private_key)).value();
    for (int i = 0; i < entries; ++i) ASSERT_TRUE(a->Append("entry number " + std::to_string(i)).ok());
  }
  Status Audit() {
    const NoteVerifier* known[] = {verifier_.get()};
    return AuditLog(fs_, "log", known).status();
  }
  // Runs `mutate` on a copy of `path`, audits, restores.
  Status AuditWith(const std::string& path, const std::string& data) {
    std::string orig = *fs_.ReadFile("log/" + path);
    fs_.PutFile("log/" + path, data);
    Status st = Audit();
    fs_.PutFile("log/" + path, orig);
    return st;
  }
  MemFileSystem fs_;
  std::unique_ptr<NoteVerifier> verifier_;
};

TEST_F(TamperTest, EveryFlippedByteOfASmallLogIsDetected) {
  Build(20);
  ASSERT_TRUE(Audit().ok());
  for (const std::string& path : CoveredFiles(20)) {
    std::string data = *fs_.ReadFile("log/" + path);
    for (size_t i = 0; i < data.size(); ++i) {
      std::string bad = data;
      bad[i] ^= 0x01;
      ASSERT_FALSE(AuditWith(path, bad).ok()) << path << " byte " << i;
    }
    for (size_t n = 0; n < data.size(); n += std::max<size_t>(1, data.size() / 16)) {
      ASSERT_FALSE(AuditWith(path, data.substr(0, n)).ok()) << path << " truncated to " << n;
    }
  }
  ASSERT_TRUE(Audit().ok());
}

TEST_F(TamperTest, SampledBytesTruncationAndReorderingOfALargerLogAreDetected) {
  Build(300);
  std::mt19937 rng(42);
  for (const std::string& path : CoveredFiles(300)) {
    std::string data = *fs_.ReadFile("log/" + path);
    for (int k = 0; k < 60; ++k) {
      std::string bad = data;
      bad[rng() % bad.size()] ^= char(1 << (rng() % 8));
      ASSERT_FALSE(AuditWith(path, bad).ok()) << path;
    }
    ASSERT_FALSE(AuditWith(path, data.substr(0, data.size() - 1)).ok()) << path;
    ASSERT_FALSE(AuditWith(path, "").ok()) << path;
  }
  // Swap two entries of the first bundle: the error names the bundle and the index.
  std::string bundle = *fs_.ReadFile("log/tile/entries/000");
  auto entries = *SplitBundle(bundle);
  std::string swapped;
  for (size_t i = 0; i < entries.size(); ++i) AppendBundleEntry(swapped, entries[i == 3 ? 4 : i == 4 ? 3 : i]);
  Status st = AuditWith("tile/entries/000", swapped);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("entry index 3"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("tile/entries/000"), std::string::npos) << st.message();
  // A missing tile is named too.
  std::string tile = *fs_.ReadFile("log/tile/0/001.p/44");
  ASSERT_TRUE(fs_.Remove("log/tile/0/001.p/44").ok());
  st = Audit();
  EXPECT_NE(st.message().find("tile/0/001.p/44"), std::string::npos) << st.message();
  fs_.PutFile("log/tile/0/001.p/44", tile);
  // Rewriting bundle and tiles consistently still breaks the signed root.
  ASSERT_TRUE(Audit().ok());
}

// Loads a real directory tree into the in-memory file system.
void LoadDir(MemFileSystem& fs, const std::string& from, const std::string& to) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(from)) {
    if (!e.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(e.path(), from).string();
    ASSERT_TRUE(fs.CreateDirs(DirName(to + "/" + rel)).ok());
    fs.PutFile(to + "/" + rel, *FileSystem::Default()->ReadFile(e.path().string()));
  }
}

TEST(TesseraLogTest, AuditsCleanAndServesVerifiableProofs) {
  std::string shared = testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "shared test data (../shared/testdata/tlog) is absent";
  std::string dir = shared + "/testdata/tlog/tessera-log";
  auto v = std::move(NewVerifier(kTesseraVkey)).value();
  const NoteVerifier* known[] = {v.get()};
  auto report = AuditLog(*FileSystem::Default(), dir, known);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoint.size, 15u);
  const char* names[] = {"one", "two",    "three",  "four",     "five",    "six",    "seven", "eit",
                         "nain", "ten", "ileven", "twelf", "threeten", "fourten", "fivten"};
  for (uint64_t i = 0; i < 15; ++i) {
    auto proof = ProveInclusion(*FileSystem::Default(), dir, i);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_TRUE(VerifyTlogProof(*proof, HashBytes(HashLeaf(names[i])), known).ok()) << i;
  }
  // Each earlier checkpoint Tessera published is consistent with the current one.
  for (int k = 0; k < 15; ++k) {
    auto old = FileSystem::Default()->ReadFile(dir + "/checkpoint." + std::to_string(k));
    if (!old.ok()) continue;
    auto old_cp = OpenCheckpoint(*old, known);
    ASSERT_TRUE(old_cp.ok()) << k;
    auto req = ProveConsistency(*FileSystem::Default(), dir, old_cp->size);
    ASSERT_TRUE(req.ok());
    EXPECT_TRUE(VerifyAddCheckpoint(*req, HashBytes(old_cp->root), known).ok()) << k;
  }
  // And tampering with it is caught.
  MemFileSystem mem;
  LoadDir(mem, dir, "log");
  ASSERT_TRUE(AuditLog(mem, "log", known).ok());
  std::string bundle = *mem.ReadFile("log/tile/entries/000.p/15");
  bundle[5] ^= 0x20;
  mem.PutFile("log/tile/entries/000.p/15", bundle);
  auto bad = AuditLog(mem, "log", known);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("tile/entries/000.p/15"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace domicile::tlog
