#include "pg_url_options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "absl/strings/str_format.h"

namespace massmigration::postgres::internal {
namespace {

// Where the query of a URI libpq accepted begins (its '?'), or npos. A '?' may also stand in
// the user info (a password), which runs to an '@' before any '/', and in a bracketed host; the
// steps follow libpq's URI parser (conninfo_uri_parse_options).
size_t uri_query_start(std::string_view uri) {
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

constexpr std::string_view kRecordTimeout = "record_timeout";
constexpr std::chrono::milliseconds kDefaultRecordTimeout{5000};
constexpr double kMaxSeconds = 86400;

std::string_view option_name(std::string_view option) { return option.substr(0, option.find('=')); }

// The `name=value` options after the URL's '?'.
std::vector<std::string_view> query_options(std::string_view url) {
  std::vector<std::string_view> options;
  const size_t query = query_start(url);
  if (query == std::string_view::npos) return options;
  for (size_t begin = query + 1;;) {
    const size_t end = std::min(url.find('&', begin), url.size());
    options.push_back(url.substr(begin, end - begin));
    if (end == url.size()) return options;
    begin = end + 1;
  }
}

// The value of the last `name=...` in the URL's query, if any.
std::optional<std::string> option_value(const std::string& url, std::string_view name) {
  std::optional<std::string> value;
  for (std::string_view option : query_options(url)) {
    if (option_name(option) != name) continue;
    const size_t equals = option.find('=');
    value = std::string(equals == std::string_view::npos ? "" : option.substr(equals + 1));
  }
  return value;
}

}  // namespace

size_t query_start(std::string_view url) {
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
    return std::string_view::npos;
  }
  return uri_query_start(url);
}

std::string without_own_options(const std::string& url) {
  const size_t query = query_start(url);
  if (query == std::string::npos) return url;
  std::string kept = url.substr(0, query);
  char separator = '?';
  for (std::string_view option : query_options(url)) {
    if (option_name(option) == kRecordTimeout) continue;
    kept += separator;
    kept += option;
    separator = '&';
  }
  return kept;
}

std::chrono::milliseconds record_timeout(const std::string& url) {
  const std::optional<std::string> text = option_value(url, kRecordTimeout);
  if (!text) return kDefaultRecordTimeout;
  double seconds = 0;
  const char* end = text->data() + text->size();
  auto [stop, error] = std::from_chars(text->data(), end, seconds);
  if (error != std::errc() || stop != end || !std::isfinite(seconds) || seconds < 0.001 ||
      seconds > kMaxSeconds) {
    throw std::invalid_argument(absl::StrFormat(
        "%s=\"%s\" in the URL is not a number of seconds from 0.001 to 86400 (for example "
        "%s=2.5)",
        kRecordTimeout, *text, kRecordTimeout));
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000));
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  return absl::StrFormat("%g s", static_cast<double>(timeout.count()) / 1000);
}

}  // namespace massmigration::postgres::internal
