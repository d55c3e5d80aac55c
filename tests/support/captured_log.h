// What the library logs while a test runs: installs a log sink that keeps every message, and
// puts the previous sink back when destroyed. Thread-safe (runs log from their own threads).
#ifndef MASSMIGRATION_TESTS_SUPPORT_CAPTURED_LOG_H_
#define MASSMIGRATION_TESTS_SUPPORT_CAPTURED_LOG_H_

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "massmigration/log.h"

namespace massmigration::test {

class CapturedLog {
 public:
  CapturedLog()
      : previous_(set_log_sink([this](LogLevel level, std::string_view message) {
          std::lock_guard lock(mu_);
          logged_.emplace_back(level, std::string(message));
        })) {}
  ~CapturedLog() { set_log_sink(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  // The messages logged at `level`, in order.
  std::vector<std::string> messages(LogLevel level) {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [l, message] : logged_) {
      if (l == level) out.push_back(message);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<LogLevel, std::string>> logged_;
  LogSink previous_;  // last: the sink above may run as soon as it is installed
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_CAPTURED_LOG_H_
