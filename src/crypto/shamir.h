// Shamir secret sharing over GF(2^8) (the AES field), for the custodian seal: the
// keyring's root key is split into n shares of which any k reconstruct it and
// k-1 reveal nothing. Shares travel as text lines:
//   dss1-<k>-<x>-<hex of y>-<hex of 4-byte check>
// where the check is the first 4 bytes of SHA-256("dss1" k x y), so a mistyped
// share is refused instead of silently yielding a wrong secret.
#ifndef DOMICILE_CRYPTO_SHAMIR_H_
#define DOMICILE_CRYPTO_SHAMIR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::crypto {

struct Share {
  uint8_t threshold = 0;  // k
  uint8_t x = 0;          // evaluation point, 1..255
  std::string y;          // one byte per secret byte
};

// Splits `secret` (1..1024 bytes) into n shares with threshold k, 2 <= k <= n <= 255.
Result<std::vector<Share>> ShamirSplit(std::string_view secret, int k, int n);

// Reconstructs the secret from at least k shares (extra ones are ignored).
// InvalidArgument for too few, duplicate or inconsistent shares. A wrong but
// well-formed set yields a wrong secret: callers verify it (the keyring does).
Result<std::string> ShamirCombine(const std::vector<Share>& shares);

std::string FormatShare(const Share& share);
// Parses FormatShare's text (surrounding whitespace allowed); InvalidArgument otherwise.
Result<Share> ParseShare(std::string_view text);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_SHAMIR_H_
