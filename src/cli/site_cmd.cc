// `domicile site ...`: multi-site operations (docs/sites.md).
//   keygen --out FILE [--projection]
//                         an enclave's replication signing key (base64 Ed25519 seed,
//                         owner-only); prints the public key backups and global sites
//                         list in accept_from. With --projection: a global site's
//                         X25519 projection key (base64, owner-only); prints the public
//                         key its enclaves list in replication.targets[].public_key.
//   restore (--from DIR | --from-url URL --site ID --backup-site ID --key FILE
//            [--ca-file PEM] [--client-cert PEM --client-key PEM]) --data-dir DIR
//                         rebuilds an enclave's store from a stopped backup's store
//                         directory, or from a running backup over HTTP (pages asked
//                         for with requests signed by the enclave's replication key):
//                         sealed values, wrapped keys and blind-index tokens, copied
//                         as they are.
//                         The custodian then supplies the keyring file and, to unseal,
//                         the root key; until then `serve` starts sealed.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/secret_file.h"
#include "crypto/ed25519.h"
#include "crypto/x25519_seal.h"
#include "monitor/http_client.h"
#include "server/replication_shipper.h"
#include "store/rocksdb/rocksdb_store.h"
#include "vault/replication.h"

namespace domicile::cli {
namespace {

// An Ed25519 replication key, or with `projection` a global site's X25519 key.
Status Keygen(const std::string& out, bool projection) {
  std::string secret, public_key;
  if (projection) {
    ASSIGN_OR_RETURN(crypto::X25519KeyPair pair, crypto::X25519Generate());
    secret = std::move(pair.private_key);
    public_key = std::move(pair.public_key);
  } else {
    ASSIGN_OR_RETURN(crypto::Ed25519KeyPair pair, crypto::Ed25519Generate());
    secret = std::move(pair.seed);
    public_key = std::move(pair.public_key);
  }
  ASSIGN_OR_RETURN(bool exists, FileSystem::Default()->Exists(out));
  if (exists) return AlreadyExistsError(out + " exists");
  RETURN_IF_ERROR(AtomicWriteSecretFile(*FileSystem::Default(), out, Base64Encode(secret) + "\n"));
  std::printf("%s\n", Base64Encode(public_key).c_str());
  return Status::Ok();
}

struct RestoreFlags {
  std::string from, from_url, site, backup_site, key_file, data_dir, store = "store";
  monitor::HttpTlsOptions tls;  // https:// --from-url only
};

// The next page of the backup's state after `after`.
using PageSource = std::function<Result<vault::ExportPage>(const std::string& after)>;

// From a stopped backup's store directory.
Result<PageSource> DirectorySource(const std::string& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> source, store::OpenRocksDbStore(dir));
  std::shared_ptr<store::Store> shared = std::move(source);
  return PageSource([shared](const std::string& after) { return vault::ReadExportPage(*shared, after); });
}

// From a running backup over HTTP, each page asked for with a request signed by the
// enclave's replication key (the backup lists its public key in accept_from).
Result<PageSource> HttpSource(const RestoreFlags& f) {
  if (f.site.empty() || f.backup_site.empty() || f.key_file.empty()) {
    return InvalidArgumentError("--from-url needs --site, --backup-site and --key");
  }
  ASSIGN_OR_RETURN(std::string text, FileSystem::Default()->ReadFile(f.key_file));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  Result<std::string> seed = Base64Decode(text);
  if (!seed.ok() || seed->size() != 32) {
    return InvalidArgumentError(f.key_file + ": not a replication key (base64 of 32 bytes)");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<monitor::HttpClient> client,
                   monitor::HttpClient::Create(f.from_url, {.tls = f.tls}));
  std::shared_ptr<monitor::HttpClient> shared = std::move(client);
  return PageSource([shared, f, seed = *seed](const std::string& after) -> Result<vault::ExportPage> {
    const vault::ExportRequest request{f.site, f.backup_site, after, Clock::System()->NowUnixMicros()};
    ASSIGN_OR_RETURN(std::string body, vault::SignExportRequest(request, seed));
    ASSIGN_OR_RETURN(monitor::HttpReply reply,
                     shared->Post(server::kReplicationExportPath, body, "application/json"));
    if (reply.status != 200) {
      return UnavailableError("backup answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 300));
    }
    return vault::ParseExportPage(reply.body);
  });
}

Status Restore(const RestoreFlags& f) {
  FileSystem& fs = *FileSystem::Default();
  if (f.from.empty() == f.from_url.empty()) return InvalidArgumentError("give exactly one of --from and --from-url");
  const std::string target = JoinPath(f.data_dir, f.store);
  ASSIGN_OR_RETURN(bool exists, fs.Exists(target));
  if (exists) return AlreadyExistsError(target + " exists: restore builds a new enclave's store");
  ASSIGN_OR_RETURN(PageSource next, f.from.empty() ? HttpSource(f) : DirectorySource(f.from));
  RETURN_IF_ERROR(fs.CreateDirs(f.data_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> dest, store::OpenRocksDbStore(target));
  uint64_t subjects = 0, fields = 0, entries = 0;
  std::string after;
  for (bool more = true; more;) {
    ASSIGN_OR_RETURN(vault::ExportPage page, next(after));
    // A page must advance (or the loop would not end); a broken source is refused.
    if (page.more && (page.changes.empty() || page.changes.back().subject <= after)) {
      return DataLossError("restore: the backup's pages do not advance");
    }
    more = page.more;
    for (vault::SubjectChange& c : page.changes) {
      after = c.subject;
      if (c.shred) continue;
      store::Mutation m;
      m.subject = c.subject;
      m.upsert = std::move(c.record);
      m.put_fields = std::move(c.fields);
      m.put_index = std::move(c.index);
      fields += m.put_fields.size();
      entries += m.put_index.size();
      RETURN_IF_ERROR(dest->Apply(m));
      ++subjects;
    }
  }
  std::printf(
      "restored %llu subjects, %llu sealed fields, %llu index entries into %s (sealed until the custodian supplies "
      "the root key)\n",
      static_cast<unsigned long long>(subjects), static_cast<unsigned long long>(fields),
      static_cast<unsigned long long>(entries), target.c_str());
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto* site = root.add_subcommand("site", "Multi-site: replication keys, restore from a backup site");
  site->require_subcommand(1);
  auto out = std::make_shared<std::string>();
  auto projection = std::make_shared<bool>(false);
  auto* keygen = site->add_subcommand(
      "keygen",
      "Create an enclave's replication signing key (or a global site's projection key); print its public key");
  keygen->add_option("--out", *out, "key file to create (owner-only)")->required();
  keygen->add_flag("--projection", *projection, "a global site's X25519 projection key instead");
  keygen->callback([out, projection] {
    if (Status st = Keygen(*out, *projection); !st.ok()) Fail(st);
  });
  auto flags = std::make_shared<RestoreFlags>();
  auto* restore = site->add_subcommand("restore", "Rebuild an enclave's store from a backup site's copy");
  restore->add_option("--from", flags->from, "a stopped backup site's store directory (RocksDB)");
  restore->add_option("--from-url", flags->from_url, "a running backup site's base URL (http[s]://host:port)");
  restore->add_option("--ca-file", flags->tls.ca_file,
                      "with an https:// --from-url: PEM CA bundle of the backup's certificate (default: system)");
  restore->add_option("--client-cert", flags->tls.client_cert,
                      "with an https:// --from-url: PEM client certificate, for a backup that requires one");
  restore->add_option("--client-key", flags->tls.client_key, "with --client-cert: its PEM private key");
  restore->add_option("--site", flags->site, "with --from-url: the enclave's site id");
  restore->add_option("--backup-site", flags->backup_site, "with --from-url: the backup's site id");
  restore->add_option("--key", flags->key_file, "with --from-url: the enclave's replication key file");
  restore->add_option("--data-dir", flags->data_dir, "the new enclave's data directory")->required();
  restore->add_option("--store", flags->store, "store path inside the data directory")->capture_default_str();
  restore->callback([flags] {
    if (Status st = Restore(*flags); !st.ok()) Fail(st);
  });
}

}  // namespace
}  // namespace domicile::cli

DOMICILE_REGISTER_COMMAND(site, domicile::cli::Setup);
