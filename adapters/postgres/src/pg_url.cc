#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "massmigration/postgres.h"
#include "pg_redacted_url.h"
#include "pg_url_options.h"
#include "string_building.h"

namespace massmigration::postgres {
namespace {

using internal::query_start;

// Connection parameters massmigration sets unless the URL does: a server that does not answer
// is given up after 5 s; one gone silent (a cut network, a machine off) is noticed within
// about a minute rather than the system's two hours of TCP keepalive, by keepalives and by
// tcp_user_timeout for data it never acknowledged.
constexpr std::pair<const char*, const char*> kDefaults[] = {{"connect_timeout", "5"},
                                                             {"keepalives_idle", "30"},
                                                             {"keepalives_interval", "10"},
                                                             {"keepalives_count", "3"},
                                                             {"tcp_user_timeout", "60000"}};

// `conninfo` with `parameters` ("k=v" each) added, in its own syntax.
std::string with_parameters(const std::string& conninfo,
                            const std::vector<std::string>& parameters) {
  if (parameters.empty()) return conninfo;
  if (!conninfo.starts_with("postgresql://") && !conninfo.starts_with("postgres://")) {
    // Keyword = value form; its end may be a '\\'.
    return strings::cat(absl::StrJoin(parameters, " "), " ", conninfo);
  }
  const std::string query = absl::StrJoin(parameters, "&");
  const size_t start = query_start(conninfo);
  if (start == std::string::npos) return strings::cat(conninfo, "?", query);
  if (start + 1 == conninfo.size() || conninfo.back() == '&') return conninfo + query;
  return strings::cat(conninfo, "&", query);
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
  std::vector<std::string_view> given_defaults;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (std::string(option->keyword) == "port" && option->val) {
      try {
        check_ports(url, option->val);
      } catch (...) {
        PQconninfoFree(options);
        throw;
      }
    }
    for (const auto& [keyword, value] : kDefaults) {
      if (std::string_view(option->keyword) != keyword || !option->val) continue;
      if (!*option->val) {
        // libpq would refuse it only when connecting ("invalid integer value").
        PQconninfoFree(options);
        throw std::invalid_argument(strings::cat("\"", internal::redacted_url(url),
                                                 "\" is not a valid PostgreSQL URL: ", keyword,
                                                 " is empty; give a number or leave it out"));
      }
      given_defaults.push_back(keyword);
    }
  }
  PQconninfoFree(options);
  std::vector<std::string> missing;
  for (const auto& [keyword, value] : kDefaults) {
    if (std::find(given_defaults.begin(), given_defaults.end(), keyword) == given_defaults.end()) {
      missing.push_back(strings::cat(keyword, "=", value));
    }
  }
  return with_parameters(url, missing);
}

}  // namespace massmigration::postgres
