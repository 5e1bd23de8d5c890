#include "fakes/test_certs.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace domicile::testing {

namespace {

void AddExtension(X509V3_CTX& ctx, X509* cert, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

void MakeCert(const CertSpec& spec, const KeyAndCert* issuer, KeyAndCert& out) {
  out.key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  out.cert = X509_new();
  X509_set_version(out.cert, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(out.cert), spec.not_before_seconds);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), spec.not_after_seconds);
  X509_set_pubkey(out.cert, out.key);
  X509_NAME* name = X509_get_subject_name(out.cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Domicile Test"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(out.cert, issuer != nullptr ? X509_get_subject_name(issuer->cert) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->cert : out.cert, out.cert, nullptr, nullptr, 0);
  AddExtension(ctx, out.cert, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (!spec.ca && !spec.san.empty()) AddExtension(ctx, out.cert, NID_subject_alt_name, spec.san);
  X509_sign(out.cert, issuer != nullptr ? issuer->key : out.key, nullptr);  // Ed25519: no digest
}

bool WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = (cert == nullptr || PEM_write_X509(f, cert) == 1) &&
            (key == nullptr || PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return std::fclose(f) == 0 && ok;
}

}  // namespace domicile::testing
