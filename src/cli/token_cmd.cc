// `domicile token keygen` and `domicile token issue`: identity-provider keys and
// EdDSA bearer tokens for demos and tests (a real deployment's IdP issues tokens).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/secret_file.h"
#include "crypto/ed25519.h"
#include "gateway/config.h"
#include "gateway/jwt.h"

namespace {

using namespace domicile;  // NOLINT(google-build-using-namespace): thin CLI glue

struct IssueFlags {
  std::string key_file;
  bool demo = false;
  std::string sub;
  std::vector<std::string> aud;
  std::string iss;
  int64_t ttl = 3600;
  int64_t nbf_offset = 0;
};

struct KeygenFlags {
  std::string out;
  std::string kid = "key-1";
};

Status Keygen(const KeygenFlags& f) {
  ASSIGN_OR_RETURN(bool exists, FileSystem::Default()->Exists(f.out));
  if (exists) return AlreadyExistsError(f.out + " exists; refusing to overwrite a private key");
  ASSIGN_OR_RETURN(auto pair, crypto::Ed25519Generate());
  const gateway::Ed25519Jwk jwk{f.kid, pair.public_key, pair.seed};
  // Created 0600 from the start: the private key is never readable by others.
  RETURN_IF_ERROR(AtomicWriteSecretFile(*FileSystem::Default(), f.out, gateway::FormatEd25519Jwk(jwk, true) + "\n"));
  std::printf("%s\n", gateway::FormatEd25519Jwk(jwk, false).c_str());
  return Status::Ok();
}

Status Issue(IssueFlags f) {
  gateway::Ed25519Jwk key;
  if (f.demo) {
    if (!f.key_file.empty()) return InvalidArgumentError("give --key or --demo, not both");
    key = gateway::DemoIdentityProviderKey();
    if (f.iss.empty()) f.iss = gateway::kDemoIssuer;
    if (f.aud.empty()) f.aud = {std::string(gateway::kDemoAudience)};
  } else {
    if (f.key_file.empty()) return InvalidArgumentError("--key FILE (a private Ed25519 JWK) or --demo is required");
    ASSIGN_OR_RETURN(std::string text, FileSystem::Default()->ReadFile(f.key_file));
    ASSIGN_OR_RETURN(key, gateway::ParseEd25519Jwk(text));
    if (key.seed.empty()) return InvalidArgumentError(f.key_file + " holds a public key; issuing needs the private JWK");
  }
  if (f.iss.empty() || f.aud.empty()) return InvalidArgumentError("--iss and --aud are required");
  const int64_t now = Clock::System()->NowUnixMicros() / 1'000'000;
  gateway::JwtIssueOptions o{key.seed, key.key_id, f.iss, f.sub, f.aud, now, f.ttl,
                             f.nbf_offset != 0 ? now + f.nbf_offset : 0};
  ASSIGN_OR_RETURN(std::string token, gateway::IssueJwt(o));
  std::printf("%s\n", token.c_str());
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto* token = root.add_subcommand("token", "Identity-provider keys and EdDSA bearer tokens (demos and tests)");
  token->require_subcommand(1);

  auto keygen_flags = std::make_shared<KeygenFlags>();
  auto* keygen = token->add_subcommand("keygen", "Write a new private Ed25519 JWK to --out; print the public JWK");
  keygen->add_option("--out", keygen_flags->out, "Private key file to create (mode 0600)")->required();
  keygen->add_option("--kid", keygen_flags->kid, "Key id")->capture_default_str();
  keygen->callback([keygen_flags] {
    Status st = Keygen(*keygen_flags);
    if (!st.ok()) cli::Fail(st);
  });

  auto flags = std::make_shared<IssueFlags>();
  auto* issue = token->add_subcommand("issue", "Print a signed JWT (alg EdDSA)");
  issue->add_option("--key", flags->key_file, "Private Ed25519 JWK file (from `token keygen`)");
  issue->add_flag("--demo", flags->demo, "Use the embedded demo identity provider (demo configuration only)");
  issue->add_option("--sub", flags->sub, "Subject: the principal id in the directory")->required();
  issue->add_option("--aud", flags->aud, "Audience (repeat for several)");
  issue->add_option("--iss", flags->iss, "Issuer");
  issue->add_option("--ttl", flags->ttl, "Lifetime in seconds")->capture_default_str()->check(CLI::Range(1, 7 * 86400));
  issue->add_option("--nbf-offset", flags->nbf_offset, "Not-before, in seconds from now (tests)");
  issue->callback([flags] {
    Status st = Issue(*flags);
    if (!st.ok()) cli::Fail(st);
  });
}

}  // namespace

DOMICILE_REGISTER_COMMAND(token, Setup);
