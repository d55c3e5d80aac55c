// Internal: a small parser for "positional --flag --option value --option=value" arguments.
#ifndef MASSMIGRATION_SRC_CLI_ARGS_H_
#define MASSMIGRATION_SRC_CLI_ARGS_H_

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace massmigration::cli::internal {

// Bad usage: the message says what and is followed by the command's usage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `options` take a value; `flags` do not; `repeatable` options may be given more than once.
  // Throws UsageError for anything else.
  Args(const std::vector<std::string>& args, const std::set<std::string>& options,
       const std::set<std::string>& flags, const std::set<std::string>& repeatable = {});

  const std::vector<std::string>& positional() const { return positional_; }
  // The option's value (its first, for a repeatable one).
  std::optional<std::string> option(const std::string& name) const;
  // Every value a repeatable option was given, in order.
  std::vector<std::string> values(const std::string& name) const;
  bool flag(const std::string& name) const { return flags_.contains(name); }
  // Throws UsageError unless there are exactly `count` positional arguments, named in `names`.
  void expect_positional(const std::vector<std::string>& names) const;
  // Option `name`, given, as a whole number from `least` to `most`; else a UsageError naming it.
  std::int64_t number(const std::string& name, std::int64_t least,
                      std::int64_t most = std::numeric_limits<std::int64_t>::max()) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>> options_;
  std::set<std::string> flags_;
};

}  // namespace massmigration::cli::internal

#endif  // MASSMIGRATION_SRC_CLI_ARGS_H_
