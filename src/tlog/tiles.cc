#include "tlog/tiles.h"

#include <cstdio>
#include <algorithm>
#include <cstring>

namespace domicile::tlog {
namespace {

std::string Pad3(uint64_t n) {
  char buf[4];
  std::snprintf(buf, sizeof(buf), "%03u", unsigned(n));
  return buf;
}

std::string WidthSuffix(uint64_t width) {
  return width == kTileWidth ? "" : ".p/" + std::to_string(width);
}

Result<std::string> ReadEither(FileSystem& fs, const std::string& dir, const std::string& partial,
                               const std::string& full, bool is_partial, std::string* used) {
  *used = is_partial ? partial : full;
  auto data = fs.ReadFile(JoinPath(dir, *used));
  if (data.ok() || !is_partial || data.status().code() != StatusCode::kNotFound) return data;
  auto whole = fs.ReadFile(JoinPath(dir, full));
  if (whole.ok()) *used = full;
  return whole.ok() ? whole : data;  // when both are missing, name the partial one
}

}  // namespace

std::string EncodeTileIndex(uint64_t n) {
  std::vector<uint64_t> groups;  // least significant first
  do {
    groups.push_back(n % 1000);
    n /= 1000;
  } while (n > 0);
  std::string s;
  for (size_t i = groups.size(); i-- > 1;) {
    s.push_back('x');
    s.append(Pad3(groups[i]));
    s.push_back('/');
  }
  s.append(Pad3(groups[0]));
  return s;
}

std::string TilePath(int level, uint64_t index, uint64_t width) {
  return "tile/" + std::to_string(level) + "/" + EncodeTileIndex(index) + WidthSuffix(width);
}

std::string EntriesPath(uint64_t index, uint64_t width) {
  return "tile/entries/" + EncodeTileIndex(index) + WidthSuffix(width);
}

uint64_t TileWidth(int level, uint64_t index, uint64_t size) {
  if (level * kTileHeight >= 64) return 0;
  uint64_t count = size >> (kTileHeight * level);  // hashes at this level
  uint64_t full = count / kTileWidth;
  if (index < full) return kTileWidth;
  if (index == full) return count % kTileWidth;
  return 0;
}

void AppendBundleEntry(std::string& bundle, std::string_view entry) {
  assert(entry.size() <= kMaxEntrySize);
  bundle.push_back(char(entry.size() >> 8));
  bundle.push_back(char(entry.size() & 0xFF));
  bundle.append(entry);
}

Result<std::vector<std::string_view>> SplitBundle(std::string_view bundle) {
  std::vector<std::string_view> out;
  while (!bundle.empty()) {
    if (bundle.size() < 2) return DataLossError("entry " + std::to_string(out.size()) + ": length prefix is cut");
    size_t n = (size_t(uint8_t(bundle[0])) << 8) | uint8_t(bundle[1]);
    if (bundle.size() - 2 < n) return DataLossError("entry " + std::to_string(out.size()) + ": entry is cut");
    out.push_back(bundle.substr(2, n));
    bundle.remove_prefix(2 + n);
  }
  return out;
}

std::vector<Hash>& TreeEdge::Tail(int level) {
  while (tails_.size() <= size_t(level)) {
    tails_.emplace_back();
    tails_.back().reserve(kTileWidth);
  }
  return tails_[level];
}

Result<TreeEdge> TreeEdge::FromTails(uint64_t size, std::vector<std::vector<Hash>> tails) {
  TreeEdge e;
  e.size_ = size;
  for (int level = 0; level < 8; ++level) {
    uint64_t want = TileWidth(level, (size >> (kTileHeight * level)) / kTileWidth, size);
    size_t have = size_t(level) < tails.size() ? tails[level].size() : 0;
    if (have != want) {
      return InvalidArgumentError("tree edge: level " + std::to_string(level) + " has " + std::to_string(have) +
                                  " hashes, want " + std::to_string(want));
    }
    if (want > 0) e.Tail(level) = std::move(tails[level]);
  }
  return e;
}

namespace {
// Serves complete subtrees that lie inside the edge's partial tiles.
class EdgeReader final : public HashReader {
 public:
  EdgeReader(uint64_t size, const TreeEdge& edge) : size_(size), edge_(edge) {}
  Result<Hash> SubtreeHash(int height, uint64_t index) override {
    int level = height / kTileHeight, r = height % kTileHeight;
    uint64_t count = size_ >> (kTileHeight * level);
    uint64_t start = count / kTileWidth * kTileWidth;
    uint64_t first = index << r, n = uint64_t{1} << r;
    std::span<const Hash> tail = edge_.tail(level);
    if (first < start || first - start + n > tail.size()) return InternalError("tree edge: subtree outside the edge");
    Hash buf[kTileWidth];
    std::copy_n(tail.begin() + (first - start), n, buf);
    return RootOfPowerOfTwo(std::span<Hash>(buf, n));
  }

 private:
  uint64_t size_;
  const TreeEdge& edge_;
};
}  // namespace

Hash TreeEdge::Root() const {
  EdgeReader reader(size_, *this);
  auto r = TreeHash(reader, size_);
  assert(r.ok());  // INVARIANT above: every subtree of the root decomposition is in the edge
  return r.ok() ? *r : EmptyRoot();
}

Result<std::string> ReadTileFile(FileSystem& fs, const std::string& dir, int level, uint64_t index,
                                 uint64_t width) {
  std::string used;
  auto data = ReadEither(fs, dir, TilePath(level, index, width), TilePath(level, index, kTileWidth),
                         width < kTileWidth, &used);
  if (!data.ok()) return DataLossError(used + ": " + data.status().message());
  bool full = used == TilePath(level, index, kTileWidth);
  size_t want = (full ? kTileWidth : width) * kHashSize;
  if (data->size() != want) {
    return DataLossError(used + ": " + std::to_string(data->size()) + " bytes, want " + std::to_string(want));
  }
  data->resize(width * kHashSize);
  return data;
}

Result<std::string> ReadBundleFile(FileSystem& fs, const std::string& dir, uint64_t index, uint64_t width) {
  std::string used;
  auto data = ReadEither(fs, dir, EntriesPath(index, width), EntriesPath(index, kTileWidth), width < kTileWidth,
                         &used);
  if (!data.ok()) return DataLossError(used + ": " + data.status().message());
  if (used == EntriesPath(index, width)) return data;
  // A full bundle standing in for a partial one: keep its first `width` entries.
  auto entries = SplitBundle(*data);
  if (!entries.ok()) return DataLossError(used + ": " + entries.status().message());
  if (entries->size() < width) return DataLossError(used + ": fewer entries than the tree needs");
  std::string out;
  for (uint64_t i = 0; i < width; ++i) AppendBundleEntry(out, (*entries)[i]);
  return out;
}

Result<const std::vector<Hash>*> TileReader::ReadTile(int level, uint64_t index) {
  auto key = std::make_pair(level, index);
  if (auto it = cache_.find(key); it != cache_.end()) return &it->second;
  uint64_t width = TileWidth(level, index, size_);
  if (width == 0) {
    return OutOfRangeError("tile " + TilePath(level, index, kTileWidth) + " is beyond tree size " +
                           std::to_string(size_));
  }
  ASSIGN_OR_RETURN(std::string data, ReadTileFile(fs_, dir_, level, index, width));
  std::vector<Hash> hashes(width);
  std::memcpy(hashes.data(), data.data(), data.size());
  if (cache_.size() >= 64) cache_.clear();  // a proof touches at most two tiles per level
  return &(cache_[key] = std::move(hashes));
}

Result<Hash> TileReader::SubtreeHash(int height, uint64_t index) {
  int level = height / kTileHeight, r = height % kTileHeight;
  uint64_t first = index << r, n = uint64_t{1} << r;
  ASSIGN_OR_RETURN(const std::vector<Hash>* tile, ReadTile(level, first / kTileWidth));
  uint64_t off = first % kTileWidth;
  if (off + n > tile->size()) return OutOfRangeError("subtree beyond tree size " + std::to_string(size_));
  Hash buf[kTileWidth];
  std::copy_n(tile->begin() + off, n, buf);
  return RootOfPowerOfTwo(std::span<Hash>(buf, n));
}

}  // namespace domicile::tlog
