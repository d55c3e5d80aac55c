// configure(): checks a Config whole, then installs it; guards and runs see the old one or
// the new one, never a mix.
#include <filesystem>

#include "absl/strings/str_join.h"
#include "massmigration/backend.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "model/config_check.h"
#include "model/installation.h"
#include "string_building.h"

namespace massmigration {

void configure(const Config& config) {
  Config installed = config;
  installed.base_directory =
      std::filesystem::absolute(installed.base_directory.empty() ? std::filesystem::current_path()
                                                                 : installed.base_directory);
  auto drivers = internal::checked_drivers(installed);
  if (!find_backend(installed.default_backend)) {
    throw ConfigError(internal::entry_name(installed, "backend", "default"),
                      strings::cat("unknown backend \"", installed.default_backend,
                                   "\" (registered: ", absl::StrJoin(backend_names(), ", "),
                                   "; register your own before configure())"));
  }
  internal::install(
      std::make_shared<internal::Installation>(std::move(installed), std::move(drivers)));
}

Config current_config() { return internal::require_installation()->config(); }

bool is_configured() { return internal::current_installation() != nullptr; }

}  // namespace massmigration
