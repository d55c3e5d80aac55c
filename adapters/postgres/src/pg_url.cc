#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

#include "massmigration/postgres.h"
#include "pg_redacted_url.h"
#include "pg_url_options.h"
#include "string_building.h"

namespace massmigration::postgres {
namespace {

using internal::query_start;

// `conninfo` with connect_timeout=5 added, in its own syntax.
std::string with_connect_timeout(const std::string& conninfo) {
  if (!conninfo.starts_with("postgresql://") && !conninfo.starts_with("postgres://")) {
    return "connect_timeout=5 " + conninfo;  // keyword = value form; its end may be a '\\'
  }
  const size_t query = query_start(conninfo);
  if (query == std::string::npos) return conninfo + "?connect_timeout=5";
  if (query + 1 == conninfo.size() || conninfo.back() == '&') return conninfo + "connect_timeout=5";
  return conninfo + "&connect_timeout=5";
}

// libpq accepts any text as a port when parsing and fails only when connecting ("invalid
// integer value"), so a typo would pass configure() and surface in the first refusal. A port
// may be a comma-separated list, one per host; an empty one means the default.
void check_ports(const std::string& url, std::string_view ports) {
  for (size_t start = 0; start <= ports.size();) {
    const size_t end = std::min(ports.find(',', start), ports.size());
    const std::string_view port = ports.substr(start, end - start);
    start = end + 1;
    int number = 0;
    auto [stop, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    const bool valid =
        error == std::errc() && stop == port.data() + port.size() && number >= 1 && number <= 65535;
    if (!port.empty() && !valid) {
      throw std::invalid_argument(strings::cat("\"", internal::redacted_url(url),
                                               "\" is not a valid PostgreSQL URL: port \"", port,
                                               "\" is not a number from 1 to 65535"));
    }
  }
}

}  // namespace

std::string connection_string(const std::string& given) {
  // libpq reads a C string, which would end at the NUL: another URL than written.
  if (size_t nul = given.find('\0'); nul != std::string::npos) {
    throw std::invalid_argument("the PostgreSQL URL has a NUL character at byte " +
                                std::to_string(nul) + " of its text");
  }
  const std::string url = internal::without_own_options(given);
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    std::string why = error ? error : "libpq cannot parse it";
    PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw std::invalid_argument(
        strings::cat("\"", internal::redacted_url(url), "\" is not a valid PostgreSQL URL: ", why));
  }
  bool has_timeout = false;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (std::string(option->keyword) == "port" && option->val) {
      try {
        check_ports(url, option->val);
      } catch (...) {
        PQconninfoFree(options);
        throw;
      }
    }
    if (std::string(option->keyword) == "connect_timeout" && option->val && *option->val) {
      has_timeout = true;
    }
  }
  PQconninfoFree(options);
  if (has_timeout) return url;
  return with_connect_timeout(url);
}

}  // namespace massmigration::postgres
