// A helper process of a test (mapper_worker, a management program), started with arguments,
// its standard input and output piped to the test; killed when the test is done with it.
// Also the `counted` table that tells a row processed twice or never.
#ifndef MASSMIGRATION_TESTS_SUPPORT_WORKER_PROCESS_H_
#define MASSMIGRATION_TESTS_SUPPORT_WORKER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/engines.h"

namespace massmigration::test {

// The program WorkerProcess starts (ctest passes mapper_worker's path to the test's main).
void set_worker_path(const std::filesystem::path& path);

class WorkerProcess {
 public:
  // Starts the worker program with `args` and reads its first line; `program` replaces it.
  explicit WorkerProcess(const std::vector<std::string>& args,
                         const std::filesystem::path& program = {});
  ~WorkerProcess();  // SIGKILL, unless it was waited for
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  const std::string& first_line() const { return first_line_; }
  // Its next line of output, without the newline; empty at the end of its output.
  std::string read_line();
  // The same, but nullopt at the end of its output (an empty line is "").
  std::optional<std::string> next_line();
  // Everything it writes until it ends.
  std::string read_rest();
  void signal(int signal);
  // A line on its standard input.
  void say(const std::string& line);
  // Its wait status, once it has ended.
  int wait();

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  bool waited_ = false;
  std::string first_line_;
};

// Table `counted` (id 1..rows, times 0) on alias "default": the mappers map:0002_counted and
// map:0003_counted_parallel of support/resumable_mapper.cc add 1 to `times` of each row.
void create_counted(const TestDatabases& dbs, int rows);
// Rows of `counted` processed once, none twice, and as many as the record of `key` counts
// done, which it returns.
std::int64_t expect_counted_once_as_recorded(const TestDatabases& dbs, const MigrationKey& key);

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_WORKER_PROCESS_H_
