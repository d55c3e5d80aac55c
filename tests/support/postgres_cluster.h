// A throwaway PostgreSQL cluster for tests: initdb into a private temporary directory, a server
// on an OS-chosen loopback port, stopped and removed on request. As root, the server runs as
// the `postgres` user (PostgreSQL refuses to run as root).
#ifndef MASSMIGRATION_TESTS_SUPPORT_POSTGRES_CLUSTER_H_
#define MASSMIGRATION_TESTS_SUPPORT_POSTGRES_CLUSTER_H_

#include <filesystem>
#include <string>

namespace massmigration::test {

class PostgresCluster {
 public:
  // initdb in a new temporary directory and pick a free port. Throws std::runtime_error with
  // the tool's output when something fails.
  PostgresCluster();
  // Reattaches to a cluster that another process created (see save/load).
  PostgresCluster(std::filesystem::path directory, int port);

  // Starts the server. Tests run without durability (fsync off) for speed; benchmarks that
  // compare commit costs ask for `durable`.
  void start(bool durable = false);
  void stop();
  // pg_ctl restart -m immediate: every server process killed at once, as in a crash, then the
  // server started again on the same port and data (crash recovery loses commits that were
  // not flushed, as synchronous_commit=off allows).
  void restart_immediately();
  // SIGSTOP / SIGCONT to the postmaster and every process it started: a hung server, whose
  // kernel still accepts connections and acknowledges what is sent.
  void stop_all_processes();
  void continue_all_processes();
  // Stops the server if it runs and removes the directory.
  void destroy();

  int port() const { return port_; }
  const std::filesystem::path& directory() const { return directory_; }
  // postgresql://postgres@127.0.0.1:PORT/DATABASE
  std::string url(const std::string& database = "postgres") const;

 private:
  std::filesystem::path directory_;
  int port_ = 0;
  bool durable_ = false;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_loopback_port();

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_POSTGRES_CLUSTER_H_
