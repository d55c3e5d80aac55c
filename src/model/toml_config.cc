// Reading Config from TOML. Every entry is checked for its type here; what the values mean is
// checked by configure().
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "string_building.h"
#include "toml++/toml.h"

namespace massmigration {
namespace {

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

std::string where(std::string_view source, const toml::source_region& region,
                  std::string_view entry) {
  return strings::cat(source, ":", region.begin.line, " ", entry);
}

void read_string_table(const toml::table& root, std::string_view section, std::string_view source,
                       std::map<std::string, std::string>& out,
                       std::map<std::string, std::string>& origins) {
  const toml::node* node = root.get(section);
  if (!node) return;
  const toml::table* table = node->as_table();
  if (!table) {
    throw ConfigError(where(source, node->source(), strings::cat("[", section, "]")),
                      "expected a table of name = \"value\" entries");
  }
  for (const auto& [name, value] : *table) {
    std::string entry = strings::cat("[", section, "] ", name.str());
    const std::string* text = value.is_string() ? &value.as_string()->get() : nullptr;
    if (!text) {
      throw ConfigError(where(source, value.source(), entry),
                        strings::cat("expected a string, found ", type_name(value.type())));
    }
    out[std::string(name.str())] = *text;
    origins[strings::cat(section, ".", name.str())] =
        strings::cat(source, ":", value.source().begin.line);
  }
}

// An entry of a section that holds durations: `key_ms` in whole milliseconds (0 or more), or
// `key_seconds` in seconds (a number above 0).
struct DurationEntry {
  std::string_view key;
  std::chrono::milliseconds* out;
};

std::chrono::milliseconds read_duration(const toml::node& value, std::string_view key,
                                        const std::string& entry) {
  if (key.ends_with("_seconds")) {
    std::optional<double> seconds = value.value<double>();
    if (!value.is_number() || !seconds || !(*seconds > 0) || *seconds > 1e9) {
      throw ConfigError(entry, "expected a number of seconds above 0");
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(*seconds * 1000 + 0.5));
  }
  const toml::value<int64_t>* ms = value.as_integer();
  if (!ms || ms->get() < 0)
    throw ConfigError(entry, "expected a whole number of milliseconds, 0 or more");
  return std::chrono::milliseconds(ms->get());
}

void read_durations(const toml::table& root, std::string_view source, std::string_view section,
                    std::initializer_list<DurationEntry> entries) {
  const toml::node* node = root.get(section);
  if (!node) return;
  const toml::table* table = node->as_table();
  if (!table)
    throw ConfigError(where(source, node->source(), strings::cat("[", section, "]")),
                      "expected a table");
  for (const auto& [name, value] : *table) {
    const std::string entry =
        where(source, value.source(), strings::cat("[", section, "] ", name.str()));
    const DurationEntry* known = nullptr;
    std::string expected;
    for (const DurationEntry& e : entries) {
      if (name == e.key) known = &e;
      strings::append(expected, expected.empty() ? "" : " or ", e.key);
    }
    if (!known) throw ConfigError(entry, strings::cat("unknown entry (expected ", expected, ")"));
    *known->out = read_duration(value, known->key, entry);
  }
}

// [console] allowed_hosts: an array of non-empty strings.
std::vector<std::string> read_host_names(const toml::node& value, const std::string& entry) {
  const toml::array* array = value.as_array();
  if (!array) {
    throw ConfigError(
        entry, strings::cat("expected an array of host names, found ", type_name(value.type())));
  }
  std::vector<std::string> names;
  for (const toml::node& name : *array) {
    if (!name.is_string() || name.as_string()->get().empty()) {
      throw ConfigError(entry, "expected host names, each a non-empty string");
    }
    names.push_back(name.as_string()->get());
  }
  return names;
}

// [console]: username and password_hash, both strings and both needed; secure_cookie, a
// boolean; allowed_hosts, an array of non-empty strings. The hash's format is checked here, the password
// only when someone logs in.
std::optional<ConsoleLogin> read_console(const toml::table& root, std::string_view source) {
  const toml::node* node = root.get("console");
  if (!node) return std::nullopt;
  const toml::table* table = node->as_table();
  if (!table) throw ConfigError(where(source, node->source(), "[console]"), "expected a table");
  ConsoleLogin login;
  for (const auto& [name, value] : *table) {
    const std::string entry = where(source, value.source(), strings::cat("[console] ", name.str()));
    if (name == "secure_cookie") {
      if (!value.is_boolean()) {
        throw ConfigError(entry,
                          strings::cat("expected true or false, found ", type_name(value.type())));
      }
      login.secure_cookie = value.as_boolean()->get();
      continue;
    }
    if (name == "allowed_hosts") {
      login.allowed_hosts = read_host_names(value, entry);
      continue;
    }
    if (name != "username" && name != "password_hash" && name != "client_address_header") {
      throw ConfigError(entry,
                        "unknown entry (expected username, password_hash, secure_cookie, "
                        "client_address_header or allowed_hosts)");
    }
    if (!value.is_string()) {
      throw ConfigError(entry, strings::cat("expected a string, found ", type_name(value.type())));
    }
    const std::string& text = value.as_string()->get();
    if (name == "client_address_header") {
      login.client_address_header = text;
    } else if (name == "username") {
      if (text.empty()) throw ConfigError(entry, "expected a user name, found \"\"");
      login.username = text;
    } else {
      if (!text.starts_with("$argon2id$")) {
        throw ConfigError(entry,
                          "expected an argon2id hash (\"$argon2id$...\", printed by `manage "
                          "console-password`), never the password itself");
      }
      login.password_hash = text;
    }
  }
  for (std::string_view needed : {"username", "password_hash"}) {
    if (!table->contains(needed)) {
      throw ConfigError(where(source, node->source(), "[console]"),
                        strings::cat("missing ", needed));
    }
  }
  return login;
}

Config parse(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ConfigError(
        strings::cat(source, ":", e.source().begin.line, ":", e.source().begin.column),
        std::string(e.description()));
  }
  for (const auto& [name, value] : root) {
    if (name != "databases" && name != "routing" && name != "backend" && name != "records" &&
        name != "guards" && name != "runs" && name != "console") {
      throw ConfigError(where(source, value.source(), name.str()),
                        "unknown entry (expected [databases], [routing], [backend], [records], "
                        "[guards], [runs] or [console])");
    }
  }
  Config config;
  read_string_table(root, "databases", source, config.databases, config.origins);
  read_string_table(root, "routing", source, config.routing, config.origins);
  std::map<std::string, std::string> backend;
  read_string_table(root, "backend", source, backend, config.origins);
  for (const auto& [name, value] : backend) {
    if (name != "default") {
      throw ConfigError(
          where(source, root["backend"][name].node()->source(), strings::cat("[backend] ", name)),
          "unknown entry (expected default)");
    }
    config.default_backend = value;
  }
  read_durations(root, source, "records", {{"cache_ttl_ms", &config.record_cache_ttl}});
  read_durations(root, source, "guards",
                 {{"not_applied_recheck_ms", &config.guard_not_applied_recheck}});
  // Unset unless given: the engine then decides (Config::pause_between_chunks).
  std::chrono::milliseconds pause = std::chrono::milliseconds::min();
  read_durations(root, source, "runs",
                 {{"lease_seconds", &config.run_lease}, {"pause_between_chunks_ms", &pause}});
  if (pause != std::chrono::milliseconds::min()) config.pause_between_chunks = pause;
  config.console = read_console(root, source);
  return config;
}

}  // namespace

Config Config::from_toml_string(std::string_view toml, std::string_view source_name) {
  return parse(toml, source_name);
}

Config Config::from_toml_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path.string(), strings::cat("cannot read the file: ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  Config config = parse(text.str(), path.string());
  config.base_directory = std::filesystem::absolute(path).parent_path();
  return config;
}

}  // namespace massmigration
