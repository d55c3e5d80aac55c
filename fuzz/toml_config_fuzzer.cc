// TOML configuration: Config::from_toml_string refuses only with ConfigError naming the source;
// what it accepts has an origin for every entry, survives being written back as TOML and read
// again unchanged, and configure() (which opens no database) refuses it only with ConfigError.
// The base directory is a path that does not exist: nothing may touch it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "fuzz_check.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"

namespace mm = massmigration;

namespace {

constexpr std::string_view kSource = "fuzz.toml";

// `text` as a TOML basic string. Not toml++ 3.3's writer: it writes keys holding quotes or
// control characters unescaped, and values starting with a newline as multi-line strings,
// whose first newline TOML drops on reading.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += absl::StrFormat("\\u%04X", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void write_table(std::string& out, std::string_view name,
                 const std::map<std::string, std::string>& entries) {
  out += "[" + std::string(name) + "]\n";
  for (const auto& [key, value] : entries) {
    out += toml_string(key) + " = " + toml_string(value) + "\n";
  }
}

std::string as_toml(const mm::Config& config) {
  std::string out;
  write_table(out, "databases", config.databases);
  write_table(out, "routing", config.routing);
  write_table(out, "backend", {{"default", config.default_backend}});
  out += "[records]\ncache_ttl_ms = " + std::to_string(config.record_cache_ttl.count()) + "\n";
  return out;
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

void check_round_trip(const mm::Config& config, std::string_view input) {
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
