#include "tlog/merkle.h"

#include <bit>
#include <cassert>
#include <cstring>

namespace domicile::tlog {
namespace {

// Largest power of two strictly less than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[begin:end]) for a range produced by the RFC 9162 recursion: `begin` is a
// multiple of the largest power of two not above end - begin, so the range splits
// into aligned complete subtrees of decreasing height.
Result<Hash> RangeHash(HashReader& reader, uint64_t begin, uint64_t end) {
  Hash parts[64];
  int n = 0;
  for (uint64_t pos = begin; pos < end;) {
    int h = std::bit_width(end - pos) - 1;
    if (pos != 0) h = std::min(h, std::countr_zero(pos));
    ASSIGN_OR_RETURN(parts[n], reader.SubtreeHash(h, pos >> h));
    ++n;
    pos += uint64_t{1} << h;
  }
  Hash acc = parts[n - 1];
  for (int i = n - 2; i >= 0; --i) acc = HashChildren(parts[i], acc);
  return acc;
}

Status Path(HashReader& reader, uint64_t m, uint64_t begin, uint64_t n, std::vector<Hash>& out) {
  if (n <= 1) return Status::Ok();
  uint64_t k = SplitPoint(n);
  if (m < k) {
    RETURN_IF_ERROR(Path(reader, m, begin, k, out));
    ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin + k, begin + n));
    out.push_back(h);
  } else {
    RETURN_IF_ERROR(Path(reader, m - k, begin + k, n - k, out));
    ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin, begin + k));
    out.push_back(h);
  }
  return Status::Ok();
}

Status SubProof(HashReader& reader, uint64_t m, uint64_t begin, uint64_t n, bool whole,
                std::vector<Hash>& out) {
  if (m == n) {
    if (!whole) {
      ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin, begin + n));
      out.push_back(h);
    }
    return Status::Ok();
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    RETURN_IF_ERROR(SubProof(reader, m, begin, k, whole, out));
    ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin + k, begin + n));
    out.push_back(h);
  } else {
    RETURN_IF_ERROR(SubProof(reader, m - k, begin + k, n - k, false, out));
    ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin, begin + k));
    out.push_back(h);
  }
  return Status::Ok();
}

// SUBTREE_SUBPROOF of the draft for the subtree [start, end) within the node
// covering D[begin:begin+n]; `known` says whether the verifier already holds the
// hash of the node where the subtree's right edge meets this node (then it is
// not sent).
Status SubtreeSubProof(HashReader& reader, uint64_t start, uint64_t end, uint64_t begin, uint64_t n, bool known,
                       std::vector<Hash>& out) {
  if (start == begin && end == begin + n) {
    if (!known) {
      ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin, begin + n));
      out.push_back(h);
    }
    return Status::Ok();
  }
  uint64_t k = SplitPoint(n);
  if (end <= begin + k) {  // wholly in the left child
    RETURN_IF_ERROR(SubtreeSubProof(reader, start, end, begin, k, known, out));
    ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin + k, begin + n));
    out.push_back(h);
  } else if (start >= begin + k) {  // wholly in the right child
    RETURN_IF_ERROR(SubtreeSubProof(reader, start, end, begin + k, n - k, known, out));
    ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin, begin + k));
    out.push_back(h);
  } else {
    // Straddles the split; a valid subtree then starts at `begin`, and its left
    // part is the whole left child, whose hash the verifier cannot know.
    RETURN_IF_ERROR(SubtreeSubProof(reader, begin + k, end, begin + k, n - k, false, out));
    ASSIGN_OR_RETURN(Hash h, RangeHash(reader, begin, begin + k));
    out.push_back(h);
  }
  return Status::Ok();
}

bool Lsb(uint64_t x) { return (x & 1) != 0; }

// Joins the pieces of a message. (Rather than `"literal" + std::string`, for
// which GCC 12 reports a false -Wrestrict at -O3.)
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

std::string RangeName(uint64_t start, uint64_t end) {
  return Cat({"[", std::to_string(start), ", ", std::to_string(end), ")"});
}

}  // namespace

// One reusable hasher per thread (this is the hot path: one leaf hash and about
// one node hash per entry), so that a hash allocates nothing.
crypto::Sha256Hasher& ThreadHasher() {
  thread_local crypto::Sha256Hasher hasher;
  return hasher;
}

Hash HashLeaf(std::string_view entry) {
  crypto::Sha256Hasher& h = ThreadHasher();
  h.Reset();
  const uint8_t prefix = 0x00;
  h.Update(&prefix, 1);
  h.Update(entry);
  return h.Final();
}

Hash HashChildren(const Hash& left, const Hash& right) {
  uint8_t buf[1 + 2 * kHashSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, right.data(), kHashSize);
  crypto::Sha256Hasher& h = ThreadHasher();
  h.Reset();
  h.Update(buf, sizeof(buf));
  return h.Final();
}

Hash EmptyRoot() { return crypto::Sha256(""); }

std::string_view HashBytes(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

Result<Hash> HashFromBytes(std::string_view bytes) {
  if (bytes.size() != kHashSize) {
    return InvalidArgumentError(Cat({"hash is ", std::to_string(bytes.size()), " bytes, want 32"}));
  }
  Hash h;
  std::memcpy(h.data(), bytes.data(), kHashSize);
  return h;
}

Hash RootOfPowerOfTwo(std::span<Hash> hashes) {
  size_t n = hashes.size();
  assert(n > 0 && std::has_single_bit(n));
  while (n > 1) {
    for (size_t i = 0; i < n / 2; ++i) hashes[i] = HashChildren(hashes[2 * i], hashes[2 * i + 1]);
    n /= 2;
  }
  return hashes[0];
}

Result<Hash> TreeHash(HashReader& reader, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return RangeHash(reader, 0, size);
}

Result<std::vector<Hash>> InclusionProof(HashReader& reader, uint64_t index, uint64_t size) {
  if (index >= size) {
    return OutOfRangeError(Cat({"index ", std::to_string(index), " is not below tree size ", std::to_string(size)}));
  }
  std::vector<Hash> out;
  RETURN_IF_ERROR(Path(reader, index, 0, size, out));
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(HashReader& reader, uint64_t old_size, uint64_t size) {
  if (old_size > size) {
    return OutOfRangeError(
        Cat({"old size ", std::to_string(old_size), " is beyond tree size ", std::to_string(size)}));
  }
  std::vector<Hash> out;
  if (old_size == 0 || old_size == size) return out;
  RETURN_IF_ERROR(SubProof(reader, old_size, 0, size, true, out));
  return out;
}

Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       std::span<const std::string> proof, std::string_view root) {
  if (index >= size) {
    return InvalidArgumentError(
        Cat({"inclusion proof: index ", std::to_string(index), " is not below tree size ", std::to_string(size)}));
  }
  auto leaf = HashFromBytes(leaf_hash);
  if (!leaf.ok()) return leaf.status().Annotate("inclusion proof: leaf");
  uint64_t fn = index, sn = size - 1;
  Hash r = *leaf;
  for (const std::string& p : proof) {
    auto ph = HashFromBytes(p);
    if (!ph.ok()) return ph.status().Annotate("inclusion proof: element");
    if (sn == 0) return InvalidArgumentError("inclusion proof is too long");
    if (Lsb(fn) || fn == sn) {
      r = HashChildren(*ph, r);
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashChildren(r, *ph);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("inclusion proof is too short");
  if (HashBytes(r) != root) return InvalidArgumentError("inclusion proof does not lead to the root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const std::string> proof,
                         std::string_view root1, std::string_view root2) {
  if (size1 > size2) {
    return InvalidArgumentError(Cat({"consistency proof: first size ", std::to_string(size1),
                                     " is beyond second size ", std::to_string(size2)}));
  }
  if (size1 == 0) return InvalidArgumentError("consistency proof: first tree is empty");
  if (size1 == size2) {
    if (!proof.empty()) return InvalidArgumentError("consistency proof for equal sizes must be empty");
    if (root1 != root2) return InvalidArgumentError("consistency proof: equal sizes, different roots");
    return Status::Ok();
  }
  if (proof.empty()) return InvalidArgumentError("consistency proof is empty");
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) {
    auto r1 = HashFromBytes(root1);
    if (!r1.ok()) return r1.status().Annotate("consistency proof: first root");
    path.push_back(*r1);
  }
  for (const std::string& p : proof) {
    auto ph = HashFromBytes(p);
    if (!ph.ok()) return ph.status().Annotate("consistency proof: element");
    path.push_back(*ph);
  }
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (Lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return InvalidArgumentError("consistency proof is too long");
    if (Lsb(fn) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("consistency proof is too short");
  if (HashBytes(fr) != root1) return InvalidArgumentError("consistency proof does not lead to the first root");
  if (HashBytes(sr) != root2) return InvalidArgumentError("consistency proof does not lead to the second root");
  return Status::Ok();
}

bool IsValidSubtree(uint64_t start, uint64_t end) {
  if (start >= end) return false;
  uint64_t n = end - start;
  if (n > (uint64_t{1} << 63)) return false;  // bit_ceil would overflow
  return start % std::bit_ceil(n) == 0;
}

Status VerifySubtreeInclusion(uint64_t index, uint64_t start, uint64_t end, std::string_view leaf_hash,
                              std::span<const std::string> proof, std::string_view subtree_root) {
  if (!IsValidSubtree(start, end)) {
    return InvalidArgumentError(Cat({RangeName(start, end), " is not a valid subtree"}));
  }
  if (index < start || index >= end) {
    return InvalidArgumentError(Cat({"index ", std::to_string(index), " is outside the subtree"}));
  }
  return VerifyInclusion(index - start, end - start, leaf_hash, proof, subtree_root);
}

Result<Hash> SubtreeRootHash(HashReader& reader, uint64_t start, uint64_t end) {
  if (!IsValidSubtree(start, end)) return InvalidArgumentError(Cat({RangeName(start, end), " is not a valid subtree"}));
  // A valid subtree's start is aligned to the largest power of two in its size,
  // which is what RangeHash needs.
  return RangeHash(reader, start, end);
}

Result<std::vector<Hash>> SubtreeConsistencyProof(HashReader& reader, uint64_t start, uint64_t end,
                                                  uint64_t size) {
  if (!IsValidSubtree(start, end)) return InvalidArgumentError(Cat({RangeName(start, end), " is not a valid subtree"}));
  if (end > size) {
    return OutOfRangeError(Cat({"subtree ", RangeName(start, end), " is beyond tree size ", std::to_string(size)}));
  }
  std::vector<Hash> out;
  RETURN_IF_ERROR(SubtreeSubProof(reader, start, end, 0, size, true, out));
  return out;
}

Status VerifySubtreeConsistency(uint64_t start, uint64_t end, uint64_t size, std::span<const std::string> proof,
                                std::string_view subtree_root, std::string_view root) {
  const std::string what =
      Cat({"subtree consistency proof for ", RangeName(start, end), " in a tree of size ", std::to_string(size)});
  if (start > end || end > size) return InvalidArgumentError(what + ": the range is not within the tree");
  if (start == end) {
    // The empty sequence occurs at every position of every tree: nothing to prove,
    // but its hash must be the empty tree's.
    if (!proof.empty()) return InvalidArgumentError(what + ": an empty subtree needs an empty proof");
    if (subtree_root != HashBytes(EmptyRoot())) return InvalidArgumentError(what + ": wrong hash for an empty subtree");
    return Status::Ok();
  }
  if (!IsValidSubtree(start, end)) return InvalidArgumentError(what + ": not a valid subtree");
  if (start == 0 && end == size) {
    if (!proof.empty()) return InvalidArgumentError(what + ": the whole tree needs an empty proof");
    if (subtree_root != root) return InvalidArgumentError(what + ": the whole tree, different hashes");
    return Status::Ok();
  }
  auto node = HashFromBytes(subtree_root);
  if (!node.ok()) return node.status().Annotate(what + ": subtree hash");
  std::vector<Hash> path;
  path.reserve(proof.size());
  for (const std::string& p : proof) {
    auto ph = HashFromBytes(p);
    if (!ph.ok()) return ph.status().Annotate(what + ": element");
    path.push_back(*ph);
  }
  // fn, sn and tn are the paths from the root to the subtree's first and last leaf
  // and to the tree's last leaf; shifting them right climbs one level. First climb
  // to where the proof starts: the top of the subtree if its right edge is the
  // tree's, else the highest node whose right edge is the subtree's.
  uint64_t fn = start, sn = end - 1, tn = size - 1;
  const bool flush = sn == tn;
  while (fn != sn && (flush || Lsb(sn))) {
    fn >>= 1;
    sn >>= 1;
    tn >>= 1;
  }
  // fr rebuilds the subtree hash, sr the tree root. If the starting node is the
  // subtree itself, its hash is not in the proof.
  size_t i = 0;
  Hash fr, sr;
  if (fn == sn) {
    fr = sr = *node;
  } else {
    if (path.empty()) return InvalidArgumentError(what + ": the proof is empty");
    fr = sr = path[i++];
  }
  for (; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (tn == 0) return InvalidArgumentError(what + ": the proof is too long");
    if (Lsb(sn) || sn == tn) {
      if (fn < sn) fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while (!Lsb(sn)) {
        fn >>= 1;
        sn >>= 1;
        tn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
    tn >>= 1;
  }
  if (tn != 0) return InvalidArgumentError(what + ": the proof is too short");
  if (fr != *node) return InvalidArgumentError(what + ": the proof does not lead to the subtree hash");
  if (HashBytes(sr) != root) return InvalidArgumentError(what + ": the proof does not lead to the root");
  return Status::Ok();
}

void MemoryTree::AppendLeafHash(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  for (size_t h = 0; levels_[h].size() % 2 == 0; ++h) {
    if (levels_.size() == h + 1) levels_.emplace_back();
    const auto& lv = levels_[h];
    levels_[h + 1].push_back(HashChildren(lv[lv.size() - 2], lv[lv.size() - 1]));
  }
}

Result<Hash> MemoryTree::SubtreeHash(int height, uint64_t index) {
  if (height < 0 || size_t(height) >= levels_.size() || index >= levels_[height].size()) {
    return OutOfRangeError(
        Cat({"no complete subtree at height ", std::to_string(height), " index ", std::to_string(index)}));
  }
  return levels_[height][index];
}

Hash MemoryTree::Root() const {
  auto r = TreeHash(const_cast<MemoryTree&>(*this), size());  // SubtreeHash does not mutate
  assert(r.ok());
  return r.ok() ? *r : EmptyRoot();
}

std::vector<std::string> HashesToStrings(std::span<const Hash> hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const Hash& h : hashes) out.emplace_back(HashBytes(h));
  return out;
}

}  // namespace domicile::tlog
