// `domicile log ...`: the audit log on the command line (init, append, checkpoint,
// prove, prove-consistency, verify). Output formats are fixed by ARCHITECTURE.md
// "Interfaces other tools rely on": keep them exact.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/file.h"
#include "common/secret_file.h"
#include "tlog/appender.h"
#include "tlog/log_reader.h"
#include "tlog/note.h"
#include "tlog/proof_format.h"

namespace domicile::cli {
namespace {

constexpr size_t kStdinChunk = 4096;  // entries acknowledged (and printed) per group

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

Result<std::string> ReadKeyFile(const std::string& path) {
  auto data = FileSystem::Default()->ReadFile(path);
  if (!data.ok()) return data.status().Annotate("key file");
  return Trim(*data);
}

void Print(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

Status Init(const std::string& dir, const std::string& origin, const std::string& key_path) {
  FileSystem& fs = *FileSystem::Default();
  ASSIGN_OR_RETURN(bool have_key, fs.Exists(key_path));
  std::string skey;
  if (have_key) {
    ASSIGN_OR_RETURN(skey, ReadKeyFile(key_path));
  } else {
    ASSIGN_OR_RETURN(tlog::NoteKeyPair kp, tlog::GenerateNoteKey(origin));
    skey = kp.private_key;
    RETURN_IF_ERROR(AtomicWriteSecretFile(fs, key_path, skey + "\n"));
  }
  ASSIGN_OR_RETURN(std::string vkey, tlog::VerifierKeyFor(skey));
  RETURN_IF_ERROR(tlog::CreateLog(fs, dir, origin, skey));
  Print(vkey + "\n");
  return Status::Ok();
}

Status Append(const std::string& dir, const std::string& key_path, const std::vector<std::string>& files) {
  FileSystem& fs = *FileSystem::Default();
  ASSIGN_OR_RETURN(std::string skey, ReadKeyFile(key_path));
  std::vector<std::string> entries;
  for (const std::string& f : files) {  // read all first: a bad FILE appends nothing
    auto data = fs.ReadFile(f);
    if (!data.ok()) return data.status();
    if (data->size() > tlog::kMaxEntrySize) {
      return InvalidArgumentError(f + " is " + std::to_string(data->size()) + " bytes; a log entry may be at most 65535");
    }
    entries.push_back(std::move(*data));
  }
  ASSIGN_OR_RETURN(auto appender, tlog::Appender::Open(fs, dir, skey));
  // Submits a group, waits until it is durable, prints its indices.
  auto flush = [&](std::vector<std::string>& group) -> Status {
    if (group.empty()) return Status::Ok();
    std::vector<uint64_t> indices;
    for (const std::string& e : group) {
      ASSIGN_OR_RETURN(uint64_t i, appender->Submit(e));
      indices.push_back(i);
    }
    RETURN_IF_ERROR(appender->WaitDurable(indices.back()));
    std::string out;
    for (uint64_t i : indices) out += std::to_string(i) + "\n";
    Print(out);
    std::fflush(stdout);
    group.clear();
    return Status::Ok();
  };
  if (!files.empty()) {
    RETURN_IF_ERROR(flush(entries));
  } else {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.size() > tlog::kMaxEntrySize) {
        RETURN_IF_ERROR(flush(entries));
        return InvalidArgumentError("stdin line of " + std::to_string(line.size()) +
                                    " bytes; a log entry may be at most 65535");
      }
      entries.push_back(std::move(line));
      if (entries.size() == kStdinChunk) RETURN_IF_ERROR(flush(entries));
    }
    RETURN_IF_ERROR(flush(entries));
  }
  return appender->Close();
}

Result<uint64_t> ParseCount(const std::string& s, const char* flag) {
  auto v = tlog::ParseDecimal(s);
  if (!v.ok()) return InvalidArgumentError(std::string(flag) + " " + s + ": want a non-negative decimal integer");
  return *v;
}

Status Verify(const std::string& dir, const std::string& vkey_arg) {
  FileSystem& fs = *FileSystem::Default();
  auto verifier = tlog::NewVerifier(Trim(vkey_arg));
  if (!verifier.ok()) {
    auto text = fs.ReadFile(vkey_arg);
    if (!text.ok()) return InvalidArgumentError("--vkey is neither a verifier key nor a readable file: " +
                                                verifier.status().message());
    verifier = tlog::NewVerifier(Trim(*text));
    if (!verifier.ok()) return verifier.status().Annotate(vkey_arg);
  }
  const tlog::NoteVerifier* known[] = {verifier->get()};
  ASSIGN_OR_RETURN(tlog::AuditReport r, tlog::AuditLog(fs, dir, known));
  Print("OK: " + r.checkpoint.origin + " size " + std::to_string(r.checkpoint.size) + ": checkpoint signature valid, " +
        std::to_string(r.bundles) + " entry bundles and " + std::to_string(r.tiles) +
        " tiles re-derived, root matches\n");
  return Status::Ok();
}

void Run(const Status& st) {
  if (!st.ok()) Fail(st);
}

void Setup(CLI::App& root) {
  auto* log = root.add_subcommand("log", "The tamper-evident audit log (C2SP tlog-tiles)");
  log->require_subcommand(1);

  struct Args {
    std::string dir, origin, key, index, old, vkey;
    std::vector<std::string> files;
  };
  static Args a;

  auto* init = log->add_subcommand("init", "Create an empty log; print its verifier key");
  init->add_option("DIR", a.dir)->required();
  init->add_option("--origin", a.origin, "Checkpoint origin, e.g. example.com/audit")->required();
  init->add_option("--key", a.key, "Private note key file (created if absent)")->required();
  init->callback([] { Run(Init(a.dir, a.origin, a.key)); });

  auto* append = log->add_subcommand("append", "Append entries (FILEs, or stdin lines); print their indices");
  append->add_option("DIR", a.dir)->required();
  append->add_option("--key", a.key, "Private note key file")->required();
  append->add_option("FILE", a.files, "Each file is one entry");
  append->callback([] { Run(Append(a.dir, a.key, a.files)); });

  auto* cp = log->add_subcommand("checkpoint", "Print the current checkpoint");
  cp->add_option("DIR", a.dir)->required();
  cp->callback([] {
    auto note = tlog::ReadCheckpointFile(*FileSystem::Default(), a.dir);
    if (!note.ok()) return Fail(note.status());
    Print(*note);
  });

  auto* prove = log->add_subcommand("prove", "Print a c2sp.org/tlog-proof@v1 inclusion proof");
  prove->add_option("DIR", a.dir)->required();
  prove->add_option("--index", a.index, "Entry index")->required();
  prove->callback([] {
    auto i = ParseCount(a.index, "--index");
    if (!i.ok()) return Fail(i.status());
    auto p = tlog::ProveInclusion(*FileSystem::Default(), a.dir, *i);
    if (!p.ok()) return Fail(p.status());
    Print(tlog::FormatTlogProof(*p));
  });

  auto* pc = log->add_subcommand("prove-consistency", "Print a tlog-witness add-checkpoint body");
  pc->add_option("DIR", a.dir)->required();
  pc->add_option("--old", a.old, "Old tree size")->required();
  pc->callback([] {
    auto m = ParseCount(a.old, "--old");
    if (!m.ok()) return Fail(m.status());
    auto r = tlog::ProveConsistency(*FileSystem::Default(), a.dir, *m);
    if (!r.ok()) return Fail(r.status());
    Print(tlog::FormatAddCheckpoint(*r));
  });

  auto* verify = log->add_subcommand("verify", "Audit the whole log against its verifier key");
  verify->add_option("DIR", a.dir)->required();
  verify->add_option("--vkey", a.vkey, "Verifier key (name+hash+base64) or a file holding it")->required();
  verify->callback([] { Run(Verify(a.dir, a.vkey)); });
}

}  // namespace
}  // namespace domicile::cli

DOMICILE_REGISTER_COMMAND(log, domicile::cli::Setup);
