// TOML configuration: Config::from_toml_string refuses only with ConfigError naming the source;
// what it accepts has an origin for every entry, survives being written back as TOML and read
// again unchanged, and configure() (which opens no database) refuses it only with ConfigError.
// The base directory is a path that does not exist: nothing may touch it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "toml++/toml.h"

namespace mm = massmigration;

namespace {

constexpr std::string_view kSource = "fuzz.toml";

toml::table string_table(const std::map<std::string, std::string>& entries) {
  toml::table table;
  for (const auto& [name, value] : entries) table.insert(name, value);
  return table;
}

std::string as_toml(const mm::Config& config) {
  toml::table root;
  root.insert("databases", string_table(config.databases));
  root.insert("routing", string_table(config.routing));
  root.insert("backend", string_table({{"default", config.default_backend}}));
  toml::table records;
  records.insert("cache_ttl_ms", static_cast<int64_t>(config.record_cache_ttl.count()));
  root.insert("records", std::move(records));
  std::ostringstream out;
  // Basic strings only: toml++ 3.3 writes a value starting with a newline as a multi-line
  // string, whose first newline TOML drops on reading.
  out << toml::toml_formatter(root, toml::format_flags::allow_unicode_strings);
  return out.str();
}

void check_origins(const mm::Config& config, std::string_view input) {
  for (const auto& [alias, url] : config.databases) {
    FUZZ_CHECK(config.origins.contains("databases." + alias), input);
  }
  for (const auto& [app, alias] : config.routing) {
    FUZZ_CHECK(config.origins.contains("routing." + app), input);
  }
  for (const auto& [entry, origin] : config.origins) {
    FUZZ_CHECK(origin.starts_with(kSource), input);
  }
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// toml++ 3.3 writes a key holding a control character without escaping it, which TOML forbids,
// so such configurations cannot be written back; that is the writer's limit, not the reader's.
bool writable(const mm::Config& config) {
  for (const auto& [alias, url] : config.databases) {
    if (has_control_character(alias)) return false;
  }
  for (const auto& [app, alias] : config.routing) {
    if (has_control_character(app)) return false;
  }
  return true;
}

void check_round_trip(const mm::Config& config, std::string_view input) {
  if (!writable(config)) return;
  const std::string written = as_toml(config);
  mm::Config again = mm::Config::from_toml_string(written, kSource);
  FUZZ_CHECK(again.databases == config.databases, input);
  FUZZ_CHECK(again.routing == config.routing, input);
  FUZZ_CHECK(again.default_backend == config.default_backend, input);
  FUZZ_CHECK(again.record_cache_ttl == config.record_cache_ttl, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  mm::Config config;
  try {
    config = mm::Config::from_toml_string(input, kSource);
  } catch (const mm::ConfigError& e) {
    FUZZ_CHECK(e.entry().starts_with(kSource) && !e.detail().empty(), input);
    return 0;
  }
  FUZZ_CHECK(config.record_cache_ttl.count() >= 0, input);
  FUZZ_CHECK(config.base_directory.empty(), input);
  check_origins(config, input);
  check_round_trip(config, input);
  config.base_directory = "/fuzz-base/does-not-exist";
  try {
    mm::configure(config);
  } catch (const mm::ConfigError& e) {
    FUZZ_CHECK(!e.entry().empty() && !e.detail().empty(), input);
    return 0;
  }
  FUZZ_CHECK(mm::current_config().databases == config.databases, input);
  return 0;
}
