#include "postgres_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "process.h"

namespace massmigration::test {
namespace {

std::filesystem::path postgres_bin() {
  std::vector<std::filesystem::path> found;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored)) {
    if (std::filesystem::exists(entry.path() / "bin" / "pg_ctl")) found.push_back(entry.path());
  }
  if (found.empty()) {
    throw std::runtime_error(
        "no PostgreSQL server under /usr/lib/postgresql: install postgresql-15 "
        "(scripts/install-deps.sh does)");
  }
  std::sort(found.begin(), found.end());
  return found.back() / "bin";
}

// Runs a PostgreSQL tool, as the postgres user when we are root.
std::string run_tool(const std::string& tool, std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (geteuid() == 0) argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  argv.push_back((postgres_bin() / tool).string());
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r = run_process(argv, "/");
  if (r.exit_code != 0) {
    throw std::runtime_error(tool + " failed (exit " + std::to_string(r.exit_code) + "):\n" +
                             r.out + r.err);
  }
  return r.out;
}

}  // namespace

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

PostgresCluster::PostgresCluster() {
  std::string dir = (std::filesystem::temp_directory_path() / "massmigration-pg-XXXXXX").string();
  if (!mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed");
  directory_ = dir;
  if (geteuid() == 0) {
    passwd* pg = getpwnam("postgres");
    if (!pg) throw std::runtime_error("no postgres user: install postgresql-15");
    if (chown(dir.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + dir + " to the postgres user");
    }
  }
  run_tool("initdb", {"-D", (directory_ / "data").string(), "-U", "postgres", "-A", "trust", "-E",
                      "UTF8", "--locale=C", "--no-sync"});
  port_ = free_loopback_port();
}

PostgresCluster::PostgresCluster(std::filesystem::path directory, int port)
    : directory_(std::move(directory)), port_(port) {}

namespace {

// The postmaster's process id, from the first line of postmaster.pid.
pid_t postmaster_pid(const std::filesystem::path& data) {
  std::ifstream file(data / "postmaster.pid");
  long pid = 0;
  if (!(file >> pid) || pid <= 0) throw std::runtime_error("no running server in " + data.string());
  return static_cast<pid_t>(pid);
}

// The processes whose parent is `parent`, from /proc/PID/stat ("pid (name) state ppid ...").
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const size_t name_end = line.rfind(')');
    if (name_end == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    std::istringstream rest(line.substr(name_end + 1));
    if (rest >> state >> ppid && ppid == parent) children.push_back(std::stoi(line));
  }
  return children;
}

void signal_all(const std::filesystem::path& data, int signal) {
  const pid_t postmaster = postmaster_pid(data);
  // The postmaster first when stopping, so that it starts no process meanwhile.
  if (signal == SIGSTOP) kill(postmaster, signal);
  for (pid_t child : children_of(postmaster)) kill(child, signal);
  if (signal != SIGSTOP) kill(postmaster, signal);
}

std::string server_options(int port, const std::filesystem::path& directory, bool durable) {
  // Durability is pointless for a throwaway cluster; speed is not.
  std::string options = "-p " + std::to_string(port) + " -c listen_addresses=127.0.0.1 -k " +
                        directory.string() + " -c max_connections=300";
  // synchronous_commit stays on, as in production: tests check that mapper chunks turn it off.
  if (!durable) options += " -c fsync=off -c full_page_writes=off";
  return options;
}

}  // namespace

void PostgresCluster::start(bool durable) {
  durable_ = durable;
  run_tool("pg_ctl",
           {"-D", (directory_ / "data").string(), "-l", (directory_ / "server.log").string(), "-w",
            "-t", "120", "-o", server_options(port_, directory_, durable), "start"});
}

void PostgresCluster::restart_immediately() {
  run_tool("pg_ctl", {"-D", (directory_ / "data").string(), "-l",
                      (directory_ / "server.log").string(), "-m", "immediate", "-w", "-t", "120",
                      "-o", server_options(port_, directory_, durable_), "restart"});
}

void PostgresCluster::stop_all_processes() { signal_all(directory_ / "data", SIGSTOP); }

void PostgresCluster::continue_all_processes() { signal_all(directory_ / "data", SIGCONT); }

void PostgresCluster::stop() {
  run_tool("pg_ctl", {"-D", (directory_ / "data").string(), "-m", "fast", "-w", "stop"});
}

void PostgresCluster::destroy() {
  try {
    continue_all_processes();  // a stopped server would never stop
  } catch (const std::exception&) {
    // Not running.
  }
  try {
    stop();
  } catch (const std::exception&) {
    // Not running: nothing to stop.
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string PostgresCluster::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

}  // namespace massmigration::test
