#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

#include "massmigration/sqlite.h"
#include "string_building.h"

namespace massmigration::sqlite {
namespace {

void apply_option(std::string_view option, Location& location) {
  size_t equals = option.find('=');
  std::string_view name = option.substr(0, equals);
  std::string_view value = equals == std::string_view::npos ? "" : option.substr(equals + 1);
  if (name == "busy_timeout_ms") {
    long long ms = -1;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (error != std::errc() || end != value.data() + value.size() || ms < 0) {
      throw std::invalid_argument(strings::cat(
          "busy_timeout_ms must be a whole number of milliseconds, not \"", value, "\""));
    }
    // SQLite takes the timeout as an int; more would wrap around to no waiting at all.
    if (ms > std::numeric_limits<int>::max()) {
      throw std::invalid_argument(strings::cat("busy_timeout_ms must be at most ",
                                               std::numeric_limits<int>::max(), ", not ", value));
    }
    location.busy_timeout = std::chrono::milliseconds(ms);
    return;
  }
  throw std::invalid_argument(
      strings::cat("unknown option \"", name, "\" (known: busy_timeout_ms)"));
}

}  // namespace

Location parse_url(const DatabaseTarget& target) {
  std::string_view url = target.url;
  if (!url.starts_with("sqlite:")) {
    throw std::invalid_argument(strings::cat("\"", target.url, "\" is not a sqlite: URL"));
  }
  url.remove_prefix(std::string_view("sqlite:").size());
  // The file is opened by a C string, which would end at the NUL: another file than written.
  if (size_t nul = target.url.find('\0'); nul != std::string::npos) {
    throw std::invalid_argument(
        strings::cat("the sqlite URL has a NUL character at byte ", nul, " of its text"));
  }
  std::string_view query;
  if (size_t q = url.find('?'); q != std::string_view::npos) {
    query = url.substr(q + 1);
    url = url.substr(0, q);
  }
  Location location;
  if (url.starts_with("//")) {
    url.remove_prefix(2);
    if (!url.starts_with("/")) {
      throw std::invalid_argument(strings::cat(
          "\"", target.url,
          "\" names a host; use sqlite:///absolute/path.db or sqlite:relative/path.db"));
    }
    location.path = std::filesystem::path(url);
  } else {
    if (url.empty()) throw std::invalid_argument("the sqlite URL has no file path");
    std::filesystem::path path(url);
    location.path = path.is_absolute() ? path : target.base_directory / path;
  }
  // Normal first: "data/.." names the directory it ends in.
  location.path = location.path.lexically_normal();
  if (location.path.filename().empty()) {
    throw std::invalid_argument(strings::cat("\"", target.url, "\" names a directory, not a file"));
  }
  if (location.path.filename() == ":memory:") {
    throw std::invalid_argument(
        "in-memory SQLite databases are not supported: records must outlive a connection");
  }
  if (!query.empty()) {
    for (size_t start = 0; start <= query.size();) {
      size_t end = std::min(query.find('&', start), query.size());
      apply_option(query.substr(start, end - start), location);
      start = end + 1;
    }
  }
  return location;
}

}  // namespace massmigration::sqlite
