// `domicile vault ...`: the custodian's key ceremony and configuration checks.
//   keygen   creates a keyring file and its root key (key file, or k-of-n shares)
//   shares split / combine   converts between a root key file and Shamir shares
//   check-config   validates a vault YAML configuration
// Root keys and shares are secrets: files are written owner-only (umask 077), and
// shares go to stdout only because the custodian asked for them.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/file.h"
#include "common/secret_file.h"
#include "crypto/keyring.h"
#include "crypto/shamir.h"
#include "vault/config.h"

namespace domicile::cli {
namespace {

void Print(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

Result<std::pair<int, int>> ParseKOfN(const std::string& spec) {
  int k = 0, n = 0;
  char extra = 0;
  if (std::sscanf(spec.c_str(), "%d/%d%c", &k, &n, &extra) != 2) {
    return InvalidArgumentError("--shares wants K/N, e.g. 3/5");
  }
  return std::make_pair(k, n);
}

Status PrintShares(std::string_view root, const std::string& spec) {
  ASSIGN_OR_RETURN(auto kn, ParseKOfN(spec));
  ASSIGN_OR_RETURN(std::vector<crypto::Share> shares, crypto::ShamirSplit(root, kn.first, kn.second));
  for (const auto& s : shares) Print(crypto::FormatShare(s) + "\n");
  return Status::Ok();
}

Status Keygen(const std::string& keyring, const std::vector<std::string>& jurisdictions, uint32_t buckets,
              const std::string& key_out, const std::string& shares) {
  if (key_out.empty() == shares.empty()) return InvalidArgumentError("give exactly one of --key-out and --shares");
  if (!shares.empty()) RETURN_IF_ERROR(ParseKOfN(shares).status());
  ASSIGN_OR_RETURN(auto created,
                   crypto::FileKeyring::Create(*FileSystem::Default(), keyring, jurisdictions, buckets));
  if (!key_out.empty()) {
    return AtomicWriteSecretFile(*FileSystem::Default(), key_out, crypto::FormatRootKeyFile(created.root_key));
  }
  return PrintShares(created.root_key, shares);
}

Status Combine(const std::vector<std::string>& files, const std::string& out, const std::string& keyring) {
  std::vector<std::string> lines;
  if (files.empty()) {
    for (std::string line; std::getline(std::cin, line);) lines.push_back(line);
  } else {
    for (const auto& f : files) {
      ASSIGN_OR_RETURN(std::string text, FileSystem::Default()->ReadFile(f));
      lines.push_back(text);
    }
  }
  std::vector<crypto::Share> shares;
  for (const auto& l : lines) {
    if (l.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    ASSIGN_OR_RETURN(crypto::Share s, crypto::ParseShare(l));
    shares.push_back(std::move(s));
  }
  ASSIGN_OR_RETURN(std::string root, crypto::ShamirCombine(shares));
  if (!keyring.empty()) {  // prove the shares open this keyring before writing anything
    ASSIGN_OR_RETURN(auto k, crypto::FileKeyring::Open(*FileSystem::Default(), keyring));
    RETURN_IF_ERROR(k->Unseal(root));
    k->Seal();
  }
  return AtomicWriteSecretFile(*FileSystem::Default(), out, crypto::FormatRootKeyFile(root));
}

Status CheckConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, FileSystem::Default()->ReadFile(path));
  ASSIGN_OR_RETURN(vault::VaultConfig c, vault::ParseVaultConfig(text));
  size_t fields = 0;
  for (const auto& [name, col] : c.collections) fields += col.fields.size();
  Print("ok: site " + c.site_id + " (" + std::string(vault::SiteRoleName(c.site().role)) + ", " +
        c.site().jurisdiction + "), " + std::to_string(c.collections.size()) + " collections, " +
        std::to_string(fields) + " classified fields, " + std::to_string(c.lowering.size()) +
        " lowering approvals\n");
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto* vault = root.add_subcommand("vault", "Vault keys (custodian ceremony) and configuration");
  vault->require_subcommand(1);

  auto* keygen = vault->add_subcommand("keygen", "Create a keyring file and its root key");
  static std::string keyring, key_out, shares, out, config;
  static std::vector<std::string> jurisdictions, files;
  static uint32_t buckets = 4096;
  keygen->add_option("--keyring", keyring, "keyring file to create")->required();
  keygen->add_option("--jurisdiction", jurisdictions, "a jurisdiction to hold a KEK for (repeatable)")->required();
  keygen->add_option("--buckets", buckets, "shred buckets (default 4096)");
  keygen->add_option("--key-out", key_out, "write the root key to this file (owner-only)");
  keygen->add_option("--shares", shares, "print K-of-N Shamir shares of the root key instead, e.g. 3/5");
  keygen->callback([] {
    Status st = Keygen(keyring, jurisdictions, buckets, key_out, shares);
    if (!st.ok()) Fail(st);
  });

  auto* sh = vault->add_subcommand("shares", "Split a root key file into shares, or combine shares");
  sh->require_subcommand(1);
  auto* split = sh->add_subcommand("split", "Print K-of-N shares of a root key file");
  split->add_option("--key", key_out, "root key file")->required();
  split->add_option("--shares", shares, "K/N")->required();
  split->callback([] {
    auto text = FileSystem::Default()->ReadFile(key_out);
    auto root = text.ok() ? crypto::ParseRootKeyFile(*text) : Result<std::string>(text.status());
    Status st = root.ok() ? PrintShares(*root, shares) : root.status();
    if (!st.ok()) Fail(st);
  });
  auto* combine = sh->add_subcommand("combine", "Combine shares (files, or lines on stdin) into a root key file");
  combine->add_option("files", files, "one share per file; none: one per stdin line");
  combine->add_option("--out", out, "root key file to write (owner-only)")->required();
  combine->add_option("--keyring", keyring, "check that the result opens this keyring first");
  combine->callback([] {
    Status st = Combine(files, out, keyring);
    if (!st.ok()) Fail(st);
  });

  auto* check = vault->add_subcommand("check-config", "Validate a vault YAML configuration");
  check->add_option("file", config, "configuration file")->required();
  check->callback([] {
    Status st = CheckConfig(config);
    if (!st.ok()) Fail(st);
  });
}

}  // namespace
}  // namespace domicile::cli

DOMICILE_REGISTER_COMMAND(vault, domicile::cli::Setup);
