// Certificates for TLS tests, made with OpenSSL at test time: a CA, server and
// client certificates signed by it or self-signed, with chosen names and validity.
#ifndef DOMICILE_TESTS_FAKES_TEST_CERTS_H_
#define DOMICILE_TESTS_FAKES_TEST_CERTS_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

namespace domicile::testing {

// An owned Ed25519 key and its X.509 certificate.
struct KeyAndCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  KeyAndCert() = default;
  KeyAndCert(const KeyAndCert&) = delete;
  KeyAndCert& operator=(const KeyAndCert&) = delete;
  ~KeyAndCert() {
    EVP_PKEY_free(key);
    X509_free(cert);
  }
};

struct CertSpec {
  std::string cn;
  bool ca = false;
  std::string san = "IP:127.0.0.1";  // subjectAltName of a leaf (OpenSSL syntax); "" = none
  long not_before_seconds = -3600;   // validity, relative to now
  long not_after_seconds = 3600;
};

// A certificate for `spec`, signed by `issuer` (self-signed when null).
void MakeCert(const CertSpec& spec, const KeyAndCert* issuer, KeyAndCert& out);

// Writes `cert` and/or `key` (either may be null) as PEM to `path`; false on error.
bool WritePem(const std::string& path, X509* cert, EVP_PKEY* key);

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_FAKES_TEST_CERTS_H_
