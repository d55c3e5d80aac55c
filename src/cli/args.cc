#include "args.h"

#include "absl/strings/str_join.h"
#include "string_building.h"

namespace massmigration::cli::internal {

Args::Args(const std::vector<std::string>& args, const std::set<std::string>& options,
           const std::set<std::string>& flags) {
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
    if (options.contains(name)) {
      if (!value) {
        if (i + 1 >= args.size()) throw UsageError(strings::cat("--", name, " needs a value"));
        value = args[++i];
      }
      if (options_.contains(name)) throw UsageError(strings::cat("--", name, " given twice"));
      options_[name] = *value;
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
  return it->second;
}

void Args::expect_positional(const std::vector<std::string>& names) const {
  if (positional_.size() < names.size()) {
    throw UsageError(strings::cat("missing ", names[positional_.size()]));
  }
  if (positional_.size() > names.size()) {
    throw UsageError(strings::cat("unexpected argument \"", positional_[names.size()], "\""));
  }
}

}  // namespace massmigration::cli::internal
