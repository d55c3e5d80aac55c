// Internal: what configure() checks in a Config before installing it. Not API.
#ifndef MASSMIGRATION_SRC_MODEL_CONFIG_CHECK_H_
#define MASSMIGRATION_SRC_MODEL_CONFIG_CHECK_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "massmigration/config.h"
#include "massmigration/record_store.h"

namespace massmigration::internal {

// Where a configuration entry came from, for ConfigError: "app.toml:4 [routing] blog" for an
// entry read from TOML, else "routing.blog".
std::string entry_name(const Config& config, std::string_view section, std::string_view name);

// Checks the databases, routing and the registered migrations against `config`, opening
// nothing; returns the driver of each alias. Throws ConfigError naming the entry at fault.
std::map<std::string, std::shared_ptr<const DatabaseDriver>> checked_drivers(const Config& config);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_MODEL_CONFIG_CHECK_H_
