// `domicile site ...`: multi-site operations (docs/sites.md).
//   keygen --out FILE     an enclave's replication signing key (base64 Ed25519 seed,
//                         owner-only); prints the public key backups list in accept_from
//   restore --from DIR --data-dir DIR
//                         rebuilds an enclave's store from a backup site's store
//                         directory (sealed values, wrapped keys and blind-index
//                         tokens, copied as they are).
//                         The custodian then supplies the keyring file and, to unseal,
//                         the root key; until then `serve` starts sealed.
#include <cstdio>
#include <string>

#include "cli/command.h"
#include "common/encoding.h"
#include "common/file.h"
#include "common/secret_file.h"
#include "crypto/ed25519.h"
#include "store/rocksdb/rocksdb_store.h"

namespace domicile::cli {
namespace {

Status Keygen(const std::string& out) {
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair pair, crypto::Ed25519Generate());
  ASSIGN_OR_RETURN(bool exists, FileSystem::Default()->Exists(out));
  if (exists) return AlreadyExistsError(out + " exists");
  RETURN_IF_ERROR(AtomicWriteSecretFile(*FileSystem::Default(), out, Base64Encode(pair.seed) + "\n"));
  std::printf("%s\n", Base64Encode(pair.public_key).c_str());
  return Status::Ok();
}

Status Restore(const std::string& from, const std::string& data_dir, const std::string& store_name) {
  FileSystem& fs = *FileSystem::Default();
  const std::string target = JoinPath(data_dir, store_name);
  ASSIGN_OR_RETURN(bool exists, fs.Exists(target));
  if (exists) return AlreadyExistsError(target + " exists: restore builds a new enclave's store");
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> source, store::OpenRocksDbStore(from));
  RETURN_IF_ERROR(fs.CreateDirs(data_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> dest, store::OpenRocksDbStore(target));
  uint64_t subjects = 0, fields = 0, entries = 0;
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, source->ListSubjects(after, 1000));
    if (ids.empty()) break;
    after = ids.back();
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> rec, source->GetSubject(id));
      if (!rec.has_value()) continue;
      store::Mutation m;
      m.subject = id;
      m.upsert = std::move(*rec);
      ASSIGN_OR_RETURN(m.put_fields, source->GetAllFields(id));
      ASSIGN_OR_RETURN(m.put_index, source->GetIndexEntries(id));
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
  auto* keygen = site->add_subcommand("keygen", "Create an enclave's replication signing key; print its public key");
  keygen->add_option("--out", *out, "key file to create (owner-only)")->required();
  keygen->callback([out] {
    if (Status st = Keygen(*out); !st.ok()) Fail(st);
  });
  struct RestoreFlags {
    std::string from, data_dir, store = "store";
  };
  auto flags = std::make_shared<RestoreFlags>();
  auto* restore = site->add_subcommand("restore", "Rebuild an enclave's store from a backup site's store directory");
  restore->add_option("--from", flags->from, "the backup site's store directory (RocksDB)")->required();
  restore->add_option("--data-dir", flags->data_dir, "the new enclave's data directory")->required();
  restore->add_option("--store", flags->store, "store path inside the data directory")->capture_default_str();
  restore->callback([flags] {
    if (Status st = Restore(flags->from, flags->data_dir, flags->store); !st.ok()) Fail(st);
  });
}

}  // namespace
}  // namespace domicile::cli

DOMICILE_REGISTER_COMMAND(site, domicile::cli::Setup);
