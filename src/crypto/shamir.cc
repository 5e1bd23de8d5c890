#include "crypto/shamir.h"

#include <charconv>
#include <set>

#include "common/encoding.h"
#include "crypto/random.h"
#include "crypto/sha256.h"

namespace domicile::crypto {
namespace {

// GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1, computed without tables or
// secret-dependent branches so the time does not depend on share values.
uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t p = 0;
  for (int i = 0; i < 8; ++i) {
    p ^= uint8_t(-(b & 1)) & a;
    const uint8_t hi = uint8_t(-(a >> 7));
    a = uint8_t((a << 1) ^ (hi & 0x1b));
    b >>= 1;
  }
  return p;
}
uint8_t Inv(uint8_t a) {  // a^254 = a^-1 for a != 0
  uint8_t r = 1;
  for (int i = 0; i < 7; ++i) {
    a = Mul(a, a);
    r = Mul(r, a);
  }
  return r;
}

std::string Check(const Share& s) {
  std::string in = "dss1";
  in.push_back(char(s.threshold));
  in.push_back(char(s.x));
  in += s.y;
  return Sha256String(in).substr(0, 4);
}

Result<uint8_t> ParseByteNumber(std::string_view t) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || v > 255 || (t.size() > 1 && t[0] == '0')) {
    return InvalidArgumentError("share: bad number");
  }
  return uint8_t(v);
}

}  // namespace

Result<std::vector<Share>> ShamirSplit(std::string_view secret, int k, int n) {
  if (secret.empty() || secret.size() > 1024) return InvalidArgumentError("shamir: secret must be 1..1024 bytes");
  if (k < 2 || n < k || n > 255) return InvalidArgumentError("shamir: need 2 <= k <= n <= 255");
  std::vector<Share> shares(n);
  for (int i = 0; i < n; ++i) {
    shares[i].threshold = uint8_t(k);
    shares[i].x = uint8_t(i + 1);
    shares[i].y.resize(secret.size());
  }
  // One random polynomial of degree k-1 per secret byte; coefficient 0 is the byte.
  ASSIGN_OR_RETURN(std::string coeffs, RandomBytes(size_t(k - 1) * secret.size()));
  for (size_t b = 0; b < secret.size(); ++b) {
    for (int i = 0; i < n; ++i) {
      const uint8_t x = shares[i].x;
      uint8_t y = 0;  // Horner, highest coefficient first
      for (int c = k - 2; c >= 0; --c) y = Mul(y, x) ^ uint8_t(coeffs[b * (k - 1) + c]);
      shares[i].y[b] = char(Mul(y, x) ^ uint8_t(secret[b]));
    }
  }
  std::fill(coeffs.begin(), coeffs.end(), '\0');
  return shares;
}

Result<std::string> ShamirCombine(const std::vector<Share>& shares) {
  if (shares.empty()) return InvalidArgumentError("shamir: no shares");
  const size_t k = shares[0].threshold;
  const size_t len = shares[0].y.size();
  if (k < 2 || len == 0) return InvalidArgumentError("shamir: malformed share");
  std::set<uint8_t> seen;
  for (const Share& s : shares) {
    if (s.threshold != k || s.y.size() != len) {
      return InvalidArgumentError("shamir: shares come from different splits");
    }
    if (s.x == 0 || !seen.insert(s.x).second) return InvalidArgumentError("shamir: duplicate or invalid share index");
  }
  if (shares.size() < k) {
    return InvalidArgumentError("shamir: " + std::to_string(shares.size()) + " shares given, " + std::to_string(k) +
                                " needed");
  }
  std::string secret(len, '\0');
  for (size_t i = 0; i < k; ++i) {
    // Lagrange basis at 0: prod_{j!=i} x_j / (x_j - x_i); subtraction is xor.
    uint8_t num = 1, den = 1;
    for (size_t j = 0; j < k; ++j) {
      if (j == i) continue;
      num = Mul(num, shares[j].x);
      den = Mul(den, shares[j].x ^ shares[i].x);
    }
    const uint8_t basis = Mul(num, Inv(den));
    for (size_t b = 0; b < len; ++b) secret[b] = char(uint8_t(secret[b]) ^ Mul(uint8_t(shares[i].y[b]), basis));
  }
  return secret;
}

std::string FormatShare(const Share& s) {
  return "dss1-" + std::to_string(s.threshold) + "-" + std::to_string(s.x) + "-" + HexEncode(s.y) + "-" +
         HexEncode(Check(s));
}

Result<Share> ParseShare(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::vector<std::string_view> parts;
  for (size_t pos = 0;;) {
    const size_t dash = text.find('-', pos);
    parts.push_back(text.substr(pos, dash == std::string_view::npos ? std::string_view::npos : dash - pos));
    if (dash == std::string_view::npos) break;
    pos = dash + 1;
  }
  if (parts.size() != 5 || parts[0] != "dss1") return InvalidArgumentError("share: not a dss1 share");
  Share s;
  ASSIGN_OR_RETURN(s.threshold, ParseByteNumber(parts[1]));
  ASSIGN_OR_RETURN(s.x, ParseByteNumber(parts[2]));
  auto y = HexDecode(parts[3]);
  auto check = HexDecode(parts[4]);
  if (!y.ok() || !check.ok() || y->empty() || y->size() > 1024) return InvalidArgumentError("share: bad hex");
  s.y = std::move(*y);
  if (s.threshold < 2 || s.x == 0) return InvalidArgumentError("share: bad threshold or index");
  if (Check(s) != *check) return InvalidArgumentError("share: checksum mismatch (mistyped share?)");
  return s;
}

}  // namespace domicile::crypto
