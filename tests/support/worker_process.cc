#include "support/worker_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "massmigration/api.h"

namespace massmigration::test {
namespace {

std::filesystem::path& worker_path() {
  static std::filesystem::path path;
  return path;
}

}  // namespace

void set_worker_path(const std::filesystem::path& path) {
  worker_path() = std::filesystem::absolute(path);
}

WorkerProcess::WorkerProcess(const std::vector<std::string>& args,
                             const std::filesystem::path& program) {
  const std::string path = program.empty() ? worker_path().string() : program.string();
  if (path.empty()) {
    ADD_FAILURE() << "run through ctest, which passes mapper_worker's path";
    return;
  }
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return;
  }
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  to_child_ = to_child[1];
  from_child_ = from_child[0];
  first_line_ = read_line();
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0 && !waited_) {
    kill(pid_, SIGKILL);
    wait();
  }
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
}

std::string WorkerProcess::read_line() {
  std::string line;
  char c;
  while (read(from_child_, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

std::optional<std::string> WorkerProcess::next_line() {
  std::string line;
  char c;
  ssize_t n;
  while ((n = read(from_child_, &c, 1)) == 1 && c != '\n') line += c;
  if (n != 1 && line.empty()) return std::nullopt;
  return line;
}

std::string WorkerProcess::read_rest() {
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(from_child_, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  return text;
}

void WorkerProcess::signal(int signal) { kill(pid_, signal); }

void WorkerProcess::say(const std::string& line) {
  const std::string text = line + "\n";
  EXPECT_EQ(write(to_child_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

int WorkerProcess::wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  waited_ = true;
  return status;
}

void create_counted(const TestDatabases& dbs, int rows) {
  dbs.execute("default",
              "CREATE TABLE counted (id INTEGER PRIMARY KEY, times INTEGER NOT NULL DEFAULT 0);"
              "INSERT INTO counted (id) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT "
              "n + 1 FROM seq WHERE n < " +
                  std::to_string(rows) + ") SELECT n FROM seq");
}

std::int64_t expect_counted_once_as_recorded(const TestDatabases& dbs, const MigrationKey& key) {
  std::optional<MigrationRecord> r = api::get_record(key, "default");
  const std::int64_t done = r ? r->rows_done : 0;
  EXPECT_EQ(dbs.scalar("default", "SELECT count(*) FROM counted WHERE times > 1"), "0");
  EXPECT_EQ(dbs.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"),
            std::to_string(done));
  return done;
}

}  // namespace massmigration::test
