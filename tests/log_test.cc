// The default log sink: one line on stderr per message, naming its level.
#include "massmigration/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "massmigration/testing.h"

namespace mm = massmigration;

namespace {

// What `fn` writes to stderr (file descriptor 2), through a private temporary file.
template <typename Fn>
std::string stderr_of(Fn fn) {
  mm::testing::TemporaryDatabases scratch({"unused"});
  const std::string path = scratch.directory() / "stderr.txt";
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  FILE* file = std::fopen(path.c_str(), "w");
  dup2(fileno(file), STDERR_FILENO);
  fn();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fclose(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Log, TheDefaultSinkWritesALinePerMessageNamingItsLevel) {
  mm::LogSink previous = mm::set_log_sink(nullptr);  // the default
  std::string written = stderr_of([] {
    mm::log(mm::LogLevel::kInfo, "applied 3 migrations");
    mm::log(mm::LogLevel::kWarning, "attempt replaced");
    mm::log(mm::LogLevel::kError, "record store unreachable");
  });
  mm::set_log_sink(previous);
  EXPECT_EQ(written,
            "massmigration info: applied 3 migrations\n"
            "massmigration warning: attempt replaced\n"
            "massmigration error: record store unreachable\n");
}

TEST(Log, ASinkReplacesTheDefaultUntilItIsRemoved) {
  std::vector<std::pair<mm::LogLevel, std::string>> seen;
  mm::LogSink previous = mm::set_log_sink(
      [&](mm::LogLevel level, std::string_view message) { seen.emplace_back(level, message); });
  std::string written = stderr_of([] { mm::log(mm::LogLevel::kError, "to the sink"); });
  mm::set_log_sink(previous);
  EXPECT_EQ(written, "");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, mm::LogLevel::kError);
  EXPECT_EQ(seen[0].second, "to the sink");
}

}  // namespace
