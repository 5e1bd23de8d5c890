// RFC 9162 (RFC 6962) Merkle tree hashing over SHA-256: leaf and node hashes,
// inclusion and consistency proofs, and their verification. Proof generation
// works over any HashReader (an in-memory tree, or the tiles of a log on disk).
#ifndef DOMICILE_TLOG_MERKLE_H_
#define DOMICILE_TLOG_MERKLE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/sha256.h"

namespace domicile::tlog {

using Hash = crypto::Digest;  // 32 bytes
inline constexpr size_t kHashSize = 32;

// Hash of an entry: SHA-256(0x00 || entry).
Hash HashLeaf(std::string_view entry);
// Hash of an interior node: SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);
// Root of the empty tree: SHA-256("").
Hash EmptyRoot();

std::string_view HashBytes(const Hash& h);
// Fails unless `bytes` is exactly 32 bytes.
Result<Hash> HashFromBytes(std::string_view bytes);

// Merkle tree hash of 2^k consecutive hashes (k <= 8); `hashes` is overwritten.
Hash RootOfPowerOfTwo(std::span<Hash> hashes);

// Source of hashes of complete, aligned subtrees: SubtreeHash(h, k) is the hash of
// leaves [k * 2^h, (k + 1) * 2^h).
class HashReader {
 public:
  virtual ~HashReader() = default;
  virtual Result<Hash> SubtreeHash(int height, uint64_t index) = 0;
};

// MTH(D[0:size]) from the complete subtrees of `reader`.
Result<Hash> TreeHash(HashReader& reader, uint64_t size);
// RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf's sibling first.
// OutOfRange unless index < size.
Result<std::vector<Hash>> InclusionProof(HashReader& reader, uint64_t index, uint64_t size);
// RFC 9162 §2.1.4.1 PROOF(old_size, D[0:size]). Empty when old_size is 0 or equal to
// size; OutOfRange when old_size > size.
Result<std::vector<Hash>> ConsistencyProof(HashReader& reader, uint64_t old_size, uint64_t size);

// RFC 9162 §2.1.3.2. Byte strings in, as they arrive from the wire: anything not
// 32 bytes long cannot verify. OK only if the proof binds leaf_hash at index to root.
Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       std::span<const std::string> proof, std::string_view root);
// RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots. A first size
// of 0 is refused: every tree extends the empty tree, so such a "proof" proves
// nothing (tlog-witness's `old 0` is handled by its caller).
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const std::string> proof,
                         std::string_view root1, std::string_view root2);

// Whether [start, end) is a subtree in the sense of draft-ietf-plants-merkle-tree-certs
// (used by tlog-witness sign-subtree): non-empty, and start is a multiple of the
// smallest power of two not below end - start. Its hash is then MTH(D[start:end]).
bool IsValidSubtree(uint64_t start, uint64_t end);
// Subtree inclusion proof: leaf `index` (start <= index < end) is in the subtree
// [start, end) whose hash is `subtree_root`. The proof is the RFC 9162 inclusion
// proof of index - start in a tree of end - start leaves.
Status VerifySubtreeInclusion(uint64_t index, uint64_t start, uint64_t end, std::string_view leaf_hash,
                              std::span<const std::string> proof, std::string_view subtree_root);

// MTH(D[start:end]) of a valid subtree, from the complete subtrees of `reader`.
// InvalidArgument unless IsValidSubtree(start, end).
Result<Hash> SubtreeRootHash(HashReader& reader, uint64_t start, uint64_t end);
// Subtree consistency proof (draft-ietf-plants-merkle-tree-certs §4.4,
// SUBTREE_PROOF): shows that the subtree [start, end) with a given hash sits at
// those positions in the tree of `size` leaves. Empty when [start, end) is the
// whole tree. InvalidArgument unless IsValidSubtree(start, end); OutOfRange when
// end > size.
Result<std::vector<Hash>> SubtreeConsistencyProof(HashReader& reader, uint64_t start, uint64_t end,
                                                  uint64_t size);
// Verifies a subtree consistency proof against the subtree hash and the root of
// the tree of `size` leaves (the draft's verification procedure). As in the
// transparency-dev vectors: the whole tree ([0, size)) needs an empty proof and
// equal hashes; an empty range [start, start) with start <= size is consistent
// with any tree, and is accepted only with the empty tree's hash and an empty proof.
Status VerifySubtreeConsistency(uint64_t start, uint64_t end, uint64_t size, std::span<const std::string> proof,
                                std::string_view subtree_root, std::string_view root);

// A whole tree kept in memory (every level). For tests, fuzzing and small tools.
class MemoryTree final : public HashReader {
 public:
  void AppendLeafHash(const Hash& leaf);
  void AppendEntry(std::string_view entry) { AppendLeafHash(HashLeaf(entry)); }
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Hash Root() const;
  Result<Hash> SubtreeHash(int height, uint64_t index) override;

 private:
  // levels_[h][k] = hash of leaves [k*2^h, (k+1)*2^h); complete subtrees only.
  std::vector<std::vector<Hash>> levels_;
};

// Helpers for byte strings of hashes.
std::vector<std::string> HashesToStrings(std::span<const Hash> hashes);

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_MERKLE_H_
