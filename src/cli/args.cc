#include "args.h"

#include <charconv>
#include <limits>

#include "absl/strings/str_join.h"
#include "string_building.h"

namespace massmigration::cli::internal {

Args::Args(const std::vector<std::string>& args, const std::set<std::string>& options,
           const std::set<std::string>& flags, const std::set<std::string>& repeatable) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--")) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (options.contains(name) || repeatable.contains(name)) {
      if (!value) {
        if (i + 1 >= args.size()) throw UsageError(strings::cat("--", name, " needs a value"));
        value = args[++i];
      }
      if (options_.contains(name) && !repeatable.contains(name)) {
        throw UsageError(strings::cat("--", name, " given twice"));
      }
      options_[name].push_back(*value);
    } else if (flags.contains(name)) {
      if (value) throw UsageError(strings::cat("--", name, " takes no value"));
      flags_.insert(name);
    } else {
      throw UsageError(strings::cat("unknown option ", arg));
    }
  }
}

std::optional<std::string> Args::option(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second.front();
}

std::vector<std::string> Args::values(const std::string& name) const {
  auto it = options_.find(name);
  return it == options_.end() ? std::vector<std::string>{} : it->second;
}

void Args::expect_positional(const std::vector<std::string>& names) const {
  if (positional_.size() < names.size()) {
    throw UsageError(strings::cat("missing ", names[positional_.size()]));
  }
  if (positional_.size() > names.size()) {
    throw UsageError(strings::cat("unexpected argument \"", positional_[names.size()], "\""));
  }
}

std::int64_t Args::number(const std::string& name, std::int64_t least, std::int64_t most) const {
  const std::string text = option(name).value_or("");
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < least || value > most) {
    throw UsageError(most == std::numeric_limits<std::int64_t>::max()
                         ? strings::cat("--", name, " needs a whole number of ", least,
                                        " or more, not \"", text, "\"")
                         : strings::cat("--", name, " needs a whole number from ", least, " to ",
                                        most, ", not \"", text, "\""));
  }
  return value;
}

}  // namespace massmigration::cli::internal
