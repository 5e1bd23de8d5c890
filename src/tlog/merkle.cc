// The Merkle hot path (one leaf hash and about one node hash per entry) uses
// OpenSSL's one-block-at-a-time SHA-256 API rather than EVP: EVP's per-digest
// provider dispatch costs about a third of the time of hashing a 200-byte entry
// (measured: bench_tlog_append). The API is deprecated in OpenSSL 3 but supported.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "tlog/merkle.h"

#include <openssl/sha.h>

#include <bit>
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

bool Lsb(uint64_t x) { return (x & 1) != 0; }

}  // namespace

Hash HashLeaf(std::string_view entry) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  const uint8_t prefix = 0x00;
  SHA256_Update(&ctx, &prefix, 1);
  SHA256_Update(&ctx, entry.data(), entry.size());
  Hash out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash HashChildren(const Hash& left, const Hash& right) {
  uint8_t buf[1 + 2 * kHashSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, right.data(), kHashSize);
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, buf, sizeof(buf));
  Hash out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash EmptyRoot() { return crypto::Sha256(""); }

std::string_view HashBytes(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

Result<Hash> HashFromBytes(std::string_view bytes) {
  if (bytes.size() != kHashSize) {
    return InvalidArgumentError("hash is " + std::to_string(bytes.size()) + " bytes, want 32");
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
    return OutOfRangeError("index " + std::to_string(index) + " is not below tree size " +
                           std::to_string(size));
  }
  std::vector<Hash> out;
  RETURN_IF_ERROR(Path(reader, index, 0, size, out));
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(HashReader& reader, uint64_t old_size, uint64_t size) {
  if (old_size > size) {
    return OutOfRangeError("old size " + std::to_string(old_size) + " is beyond tree size " +
                           std::to_string(size));
  }
  std::vector<Hash> out;
  if (old_size == 0 || old_size == size) return out;
  RETURN_IF_ERROR(SubProof(reader, old_size, 0, size, true, out));
  return out;
}

Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       std::span<const std::string> proof, std::string_view root) {
  if (index >= size) {
    return InvalidArgumentError("inclusion proof: index " + std::to_string(index) +
                                " is not below tree size " + std::to_string(size));
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
    return InvalidArgumentError("consistency proof: first size " + std::to_string(size1) +
                                " is beyond second size " + std::to_string(size2));
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
    return InvalidArgumentError("[" + std::to_string(start) + ", " + std::to_string(end) + ") is not a valid subtree");
  }
  if (index < start || index >= end) {
    return InvalidArgumentError("index " + std::to_string(index) + " is outside the subtree");
  }
  return VerifyInclusion(index - start, end - start, leaf_hash, proof, subtree_root);
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
    return OutOfRangeError("no complete subtree at height " + std::to_string(height) + " index " +
                           std::to_string(index));
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
