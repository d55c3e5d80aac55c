// Runs a program as a child process, as a user would from a shell: own working directory,
// extra environment, text on standard input; waits and collects exit status and output.
#ifndef MASSMIGRATION_TESTS_SUPPORT_PROCESS_H_
#define MASSMIGRATION_TESTS_SUPPORT_PROCESS_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace massmigration::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& input = "");

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_PROCESS_H_
