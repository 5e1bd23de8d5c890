#include "fakes/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace domicile::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr char kRunuser[] = "/usr/sbin/runuser";
constexpr char kUser[] = "postgres";

bool IsRoot() { return ::geteuid() == 0; }

bool Executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// Prefix that runs a command as the postgres user when we are root.
std::vector<std::string> AsServerUser(std::vector<std::string> argv) {
  if (!IsRoot()) return argv;
  std::vector<std::string> out = {kRunuser, "-u", kUser, "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

// Spawns argv[0] with stdin from `stdin_fd` (or /dev/null when -1) and stdout +
// stderr appended to `log` (or /dev/null when empty). Returns the pid.
Result<pid_t> Spawn(const std::vector<std::string>& argv, int stdin_fd, const std::string& log, bool new_session) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, stdin_fd, STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  const char* out = log.empty() ? "/dev/null" : log.c_str();
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return UnavailableError("postgres_server: cannot run " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

Status Run(const std::vector<std::string>& argv, const std::string& log) {
  ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, -1, log, false));
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return InternalError("postgres_server: waitpid failed");
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return UnavailableError("postgres_server: failed: " + cmd);
  }
  return Status::Ok();
}

std::string Tail(const std::string& path, size_t n = 1500) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > n ? s.substr(s.size() - n) : s;
}

// A port nobody listens on right now. Another process may take it before the
// server binds; Start() retries with a new port when that happens.
Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return UnavailableError("postgres_server: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return UnavailableError("postgres_server: no free loopback port");
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

}  // namespace

std::string PostgresServer::Unavailable() {
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    if (!Executable(std::string(kBinDir) + "/" + tool)) {
      return std::string("PostgreSQL 15 not installed (") + kBinDir + "/" + tool + " missing; see README)";
    }
  }
  if (IsRoot() && (::getpwnam(kUser) == nullptr || !Executable(kRunuser))) {
    return "running as root needs the 'postgres' system user and runuser";
  }
  return "";
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  if (std::string why = Unavailable(); !why.empty()) return UnavailableError("postgres_server: " + why);
  // As root, TMPDIR may not be reachable by the postgres user; /tmp always is.
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base && !IsRoot() ? base : "/tmp") + "/domicile-pg-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return UnavailableError("postgres_server: mkdtemp failed");
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->root_ = tmpl;
  s->data_dir_ = s->root_ + "/data";
  s->log_path_ = s->root_ + "/server.log";
  if (IsRoot()) {
    const passwd* pw = ::getpwnam(kUser);
    if (::chown(s->root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      std::string why = std::strerror(errno);
      ::rmdir(s->root_.c_str());
      return UnavailableError("postgres_server: chown to postgres failed: " + why);
    }
  }

  // The watchdog (its own session, so a signal to our process group spares it)
  // waits for EOF on a pipe whose write end only this process holds, then stops
  // the server and removes root_. The destructor triggers it by closing the pipe.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return UnavailableError("postgres_server: pipe failed");
  std::string script = std::string("read _; ") + (IsRoot() ? std::string(kRunuser) + " -u postgres -- " : "") +
                       "\"$1\" -D \"$2\" stop -m immediate -w >/dev/null 2>&1; rm -rf \"$3\"";
  auto wd = Spawn({"/bin/sh", "-c", script, "sh", std::string(kBinDir) + "/pg_ctl", s->data_dir_, s->root_}, fds[0],
                  "", true);
  ::close(fds[0]);
  if (!wd.ok()) {
    ::close(fds[1]);
    ::rmdir(s->root_.c_str());
    return wd.status();
  }
  s->watchdog_fd_ = fds[1];
  s->watchdog_pid_ = *wd;

  const std::string tools_log = s->root_ + "/tools.log";
  // -N: initdb itself skips fsync (the machine does not crash under the test;
  // the server still runs with fsync=on).
  Status st = Run(AsServerUser({std::string(kBinDir) + "/initdb", "-D", s->data_dir_, "-U", kUser, "--auth=trust",
                                "-E", "UTF8", "--locale=C", "-N"}),
                  tools_log);
  if (!st.ok()) return UnavailableError(st.message() + "\n" + Tail(tools_log));
  {
    std::ofstream conf(s->data_dir_ + "/postgresql.conf", std::ios::app);
    conf << "\n# domicile test harness\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "unix_socket_directories = '" << s->root_ << "'\n"
         << "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
         << "max_connections = 60\nshared_buffers = 32MB\n";
    if (!conf) return UnavailableError("postgres_server: cannot write postgresql.conf");
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    ASSIGN_OR_RETURN(s->port_, FreeLoopbackPort());
    st = s->Restart();
    if (st.ok()) break;
  }
  if (!st.ok()) return UnavailableError(st.message() + "\n" + Tail(tools_log) + "\n" + Tail(s->log_path_));
  s->conninfo_ = "host=127.0.0.1 port=" + std::to_string(s->port_) + " user=postgres dbname=postgres";
  return s;
}

PostgresServer::~PostgresServer() {
  if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
  if (watchdog_pid_ > 0) {
    while (::waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

Status PostgresServer::PgCtl(const std::string& action, const std::string& mode) {
  std::vector<std::string> argv = {std::string(kBinDir) + "/pg_ctl", "-D", data_dir_, "-l", log_path_, "-w",
                                   "-t", "60"};
  if (!mode.empty()) argv.insert(argv.end(), {"-m", mode});
  if (action == "start") argv.insert(argv.end(), {"-o", "-p " + std::to_string(port_)});
  argv.push_back(action);
  return Run(AsServerUser(argv), root_ + "/tools.log");
}

Status PostgresServer::Crash() { return PgCtl("stop", "immediate"); }

Status PostgresServer::Restart() { return PgCtl("start", ""); }

}  // namespace domicile::testing
