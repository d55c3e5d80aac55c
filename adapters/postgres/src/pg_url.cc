#include <libpq-fe.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>

#include "massmigration/postgres.h"

namespace massmigration::postgres {
namespace {

// Where the query of a URI libpq accepted begins (its '?'), or npos. A '?' may also stand in
// the user info (a password), which runs to an '@' before any '/', and in a bracketed host; the
// steps follow libpq's URI parser (conninfo_uri_parse_options).
size_t query_start(std::string_view uri) {
  size_t p = uri.find("://") + 3;
  if (size_t at = uri.find_first_of("@/", p); at != std::string_view::npos && uri[at] == '@') {
    p = at + 1;
  }
  while (p < uri.size()) {  // hosts with ports, separated by ','
    if (uri[p] == '[') p = std::min(uri.find(']', p), uri.size());
    p = std::min(uri.find_first_of(",/?", p), uri.size());
    if (p == uri.size() || uri[p] != ',') break;
    ++p;
  }
  return uri.find('?', p);
}

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

}  // namespace

std::string connection_string(const std::string& url) {
  // libpq reads a C string, which would end at the NUL: another URL than written.
  if (size_t nul = url.find('\0'); nul != std::string::npos) {
    throw std::invalid_argument("the PostgreSQL URL has a NUL character at byte " +
                                std::to_string(nul) + " of its text");
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    std::string why = error ? error : "libpq cannot parse it";
    PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw std::invalid_argument("\"" + url + "\" is not a valid PostgreSQL URL: " + why);
  }
  bool has_timeout = false;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (std::string(option->keyword) == "connect_timeout" && option->val && *option->val) {
      has_timeout = true;
    }
  }
  PQconninfoFree(options);
  if (has_timeout) return url;
  return with_connect_timeout(url);
}

}  // namespace massmigration::postgres
