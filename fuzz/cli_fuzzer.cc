// Command lines, one argument per input line. First the argument parser the commands share:
// it refuses only with UsageError, and what it accepts, written back in its canonical form
// ("--name=value", "--flag", positionals), parses to the same result. Then the whole command
// line through cli::run, configured with an in-memory record store that is always empty, so
// nothing touches a disk or a database: every outcome is an exit status 0, 1 or 2 with a
// message, and no exception escapes (`worker` too: no database here runs SQL, so it stops at
// once). Inputs naming --config (which reads a file) or makemassmigration (which writes files)
// are skipped.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/args.h"
#include "fuzz_check.h"
#include "massmigration/cli.h"
#include "massmigration/config.h"
#include "massmigration/record_store.h"

namespace mm = massmigration;
using mm::cli::internal::Args;
using mm::cli::internal::UsageError;

namespace {

const std::set<std::string> kOptions = {"database", "app",      "format",    "template",
                                        "timeout",  "pause-ms", "chunk-size"};
const std::set<std::string> kFlags = {"dry-run", "fake", "auto"};

std::vector<std::string> canonical(const Args& args) {
  std::vector<std::string> out = args.positional();
  for (const std::string& name : kOptions) {
    if (auto value = args.option(name)) out.push_back("--" + name + "=" + *value);
  }
  for (const std::string& name : kFlags) {
    if (args.flag(name)) out.push_back("--" + name);
  }
  return out;
}

bool same(const Args& a, const Args& b) {
  if (a.positional() != b.positional()) return false;
  for (const std::string& name : kOptions) {
    if (a.option(name) != b.option(name)) return false;
  }
  for (const std::string& name : kFlags) {
    if (a.flag(name) != b.flag(name)) return false;
  }
  return true;
}

void check_args(const std::vector<std::string>& argv, std::string_view input) {
  std::optional<Args> args;
  try {
    args.emplace(argv, kOptions, kFlags);
  } catch (const UsageError& e) {
    FUZZ_CHECK(*e.what() != '\0', input);
    return;
  }
  for (const std::string& positional : args->positional()) {
    FUZZ_CHECK(!positional.starts_with("--"), input);
  }
  FUZZ_CHECK(same(*args, Args(canonical(*args), kOptions, kFlags)), input);
  const std::vector<std::string> names(input.size() % 3, "NAME");
  try {
    args->expect_positional(names);
    FUZZ_CHECK(args->positional().size() == names.size(), input);
  } catch (const UsageError&) {
    FUZZ_CHECK(args->positional().size() != names.size(), input);
  }
}

// Records nothing and finds nothing.
class EmptyStore : public mm::RecordStore {
 public:
  bool is_applied(const mm::MigrationKey&) override { return false; }
  std::optional<mm::MigrationRecord> get(const mm::MigrationKey&) override { return {}; }
  mm::RecordListing list() override { return {}; }
  bool insert_if_absent(const mm::MigrationRecord&) override { return false; }
  bool replace_if(const mm::MigrationRecord&, std::string_view, mm::MigrationStatus) override {
    return false;
  }
  bool control_run(const mm::MigrationKey&, std::string_view, mm::MigrationStatus,
                   mm::MigrationStatus, const mm::RunTuning&) override {
    return false;
  }
  bool heartbeat(const mm::MigrationKey&, std::string_view) override { return false; }
  void record_event(const mm::MigrationEvent&) override {}
  std::vector<mm::MigrationEvent> events(const mm::MigrationKey&) override { return {}; }
  bool remove(const mm::MigrationKey&) override { return false; }
  bool remove_if(const mm::MigrationKey&, std::string_view, mm::MigrationStatus) override {
    return false;
  }
};

class EmptyDriver : public mm::DatabaseDriver {
 public:
  void validate(const mm::DatabaseTarget&) const override {}
  std::unique_ptr<mm::RecordStore> open_record_store(const mm::DatabaseTarget&) const override {
    return std::make_unique<EmptyStore>();
  }
};

bool skipped(const std::vector<std::string>& argv) {
  for (const std::string& arg : argv) {
    if (arg.starts_with("--config") || arg == "makemassmigration") return true;
  }
  return false;
}

void check_run(const std::vector<std::string>& argv, std::string_view input) {
  if (skipped(argv)) return;
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  const int status = mm::cli::run("manage", argv, in, out, err);
  FUZZ_CHECK(status == 0 || status == 1 || status == 2, input);
  if (status != 0) FUZZ_CHECK(!err.str().empty() || !out.str().empty(), input);
  // With no migrations and a store that always answers, nothing can fail but a check (which
  // reports the routing to an app without migrations): any other 1 is bad input misreported.
  if (status == 1) FUZZ_CHECK(argv.at(0) == "check", input);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  unsetenv("MASSMIGRATION_CONFIG");
  mm::register_database_driver("fuzzmem", std::make_shared<EmptyDriver>());
  mm::Config config;
  config.databases = {{"default", "fuzzmem:default"}, {"other", "fuzzmem:other"}};
  config.routing = {{"shop", "other"}};
  config.base_directory = "/fuzz-base/does-not-exist";
  mm::configure(config);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> argv;
  for (size_t start = 0; start < input.size();) {
    size_t end = std::min(input.find('\n', start), input.size());
    argv.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  check_args(argv, input);
  check_run(argv, input);
  return 0;
}
