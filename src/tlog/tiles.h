// C2SP tlog-tiles storage: resource paths, entry bundles, the right edge of a tree
// kept as its partial tiles (TreeEdge), and proofs read from tiles (TileReader).
// A log directory holds `checkpoint`, `tile/<L>/<N>[.p/<W>]` and
// `tile/entries/<N>[.p/<W>]`, exactly what a static file server publishes.
#ifndef DOMICILE_TLOG_TILES_H_
#define DOMICILE_TLOG_TILES_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file.h"
#include "common/status.h"
#include "tlog/merkle.h"

namespace domicile::tlog {

inline constexpr uint64_t kTileWidth = 256;    // hashes per full tile, entries per full bundle
inline constexpr int kTileHeight = 8;          // log2(kTileWidth)
inline constexpr size_t kMaxEntrySize = 65535;  // the bundle's uint16 length prefix

// "x001/x234/067" for 1234067.
std::string EncodeTileIndex(uint64_t n);
// "tile/<level>/<N>" for width 256, "tile/<level>/<N>.p/<width>" for 1..255.
std::string TilePath(int level, uint64_t index, uint64_t width);
// "tile/entries/<N>[.p/<width>]".
std::string EntriesPath(uint64_t index, uint64_t width);
// Width of tile `index` at `level` in a tree of `size`: 256 if full, 1..255 if it is
// the partial tile, 0 if the tree has no such tile.
uint64_t TileWidth(int level, uint64_t index, uint64_t size);

// Appends one entry to a bundle (big-endian uint16 length, then the bytes).
// Precondition: entry.size() <= kMaxEntrySize.
void AppendBundleEntry(std::string& bundle, std::string_view entry);
// Splits a bundle into its entries; DataLoss if a length prefix or entry is cut.
Result<std::vector<std::string_view>> SplitBundle(std::string_view bundle);

// The right edge of a Merkle tree: for each tile level, the hashes of its rightmost,
// incomplete tile (= the partial tiles of the tree's current size). That is all that
// is needed to extend the tree and compute its root.
// INVARIANT: tail(L).size() == (size() >> 8L) % 256 for every level L.
class TreeEdge {
 public:
  // Rebuilds the edge of a tree of `size` from its partial tiles, level by level.
  static Result<TreeEdge> FromTails(uint64_t size, std::vector<std::vector<Hash>> tails);

  uint64_t size() const { return size_; }
  std::span<const Hash> tail(int level) const {
    return size_t(level) < tails_.size() ? std::span<const Hash>(tails_[level]) : std::span<const Hash>();
  }
  int num_levels() const { return int(tails_.size()); }

  // Adds a leaf hash. For every tile this completes, calls
  // on_full(level, tile_index, std::span<const Hash> of 256 hashes) before the tile
  // is folded into the level above.
  template <typename OnFull>
  void Append(const Hash& leaf, OnFull&& on_full) {
    Tail(0).push_back(leaf);
    ++size_;
    for (int level = 0; tails_[level].size() == kTileWidth; ++level) {
      std::vector<Hash>& t = tails_[level];
      on_full(level, (size_ >> (kTileHeight * (level + 1))) - 1, std::span<const Hash>(t));
      Hash up = RootOfPowerOfTwo(std::span<Hash>(t));
      t.clear();
      Tail(level + 1).push_back(up);
    }
  }

  Hash Root() const;

 private:
  std::vector<Hash>& Tail(int level);
  uint64_t size_ = 0;
  std::vector<std::vector<Hash>> tails_;
};

// Complete-subtree hashes of a tree of `size`, read from the tiles of a log
// directory (partial tiles where the tree has them, full tiles otherwise). Tiles
// read are cached. Errors name the missing or malformed tile.
class TileReader final : public HashReader {
 public:
  TileReader(FileSystem& fs, std::string dir, uint64_t size) : fs_(fs), dir_(std::move(dir)), size_(size) {}
  Result<Hash> SubtreeHash(int height, uint64_t index) override;
  // The hashes of tile `index` at `level` as the tree of `size` sees it. The
  // pointer is valid until the next call.
  Result<const std::vector<Hash>*> ReadTile(int level, uint64_t index);

 private:
  FileSystem& fs_;
  const std::string dir_;
  const uint64_t size_;
  std::map<std::pair<int, uint64_t>, std::vector<Hash>> cache_;
};

// Reads a tile or bundle file as the tree of `size` sees it: the partial path if
// the resource is partial, falling back to the full one (the spec lets a log drop
// partials once the full resource exists) and keeping its first `width` hashes.
Result<std::string> ReadTileFile(FileSystem& fs, const std::string& dir, int level, uint64_t index,
                                 uint64_t width);
Result<std::string> ReadBundleFile(FileSystem& fs, const std::string& dir, uint64_t index, uint64_t width);

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_TILES_H_
