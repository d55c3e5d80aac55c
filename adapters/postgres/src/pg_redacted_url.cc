#include "pg_redacted_url.h"

#include "absl/strings/ascii.h"
#include "pg_url_options.h"

namespace massmigration::postgres::internal {
namespace {

constexpr std::string_view kHidden = "***";

// The userinfo's password: from the first ':' after the scheme to the last '@' before the
// query (a password may hold '@', ':', '/' or '?' when percent-encoding was forgotten; this
// hides too much rather than too little).
std::string redacted_userinfo(std::string_view url, size_t authority) {
  size_t end = query_start(url);
  if (end == std::string_view::npos) end = url.size();
  const size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  const size_t colon = url.substr(0, at).find(':', authority);
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + std::string(kHidden) + std::string(url.substr(at));
}

// Each "password=" parameter of the query string.
std::string redacted_query(std::string url) {
  const size_t query = query_start(url);
  if (query == std::string::npos) return url;
  for (size_t start = query + 1; start < url.size();) {
    size_t end = url.find('&', start);
    if (end == std::string::npos) end = url.size();
    constexpr std::string_view kKey = "password=";
    if (end - start >= kKey.size() &&
        absl::AsciiStrToLower(url.substr(start, kKey.size())) == kKey) {
      url.replace(start + kKey.size(), end - start - kKey.size(), kHidden);
      end = start + kKey.size() + kHidden.size();
    }
    start = end + 1;
  }
  return url;
}

// Each "password = value" of keyword/value syntax; a value is a word or a quoted string.
std::string redacted_keywords(std::string text) {
  constexpr std::string_view kKey = "password";
  for (size_t at = 0; (at = text.find(kKey, at)) != std::string::npos; at += kKey.size()) {
    if (at > 0 && !absl::ascii_isspace(static_cast<unsigned char>(text[at - 1]))) continue;
    size_t i = at + kKey.size();
    while (i < text.size() && absl::ascii_isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size() || text[i] != '=') continue;
    ++i;
    while (i < text.size() && absl::ascii_isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t end = i;
    if (end < text.size() && text[end] == '\'') {
      for (++end; end < text.size() && text[end] != '\''; ++end) {
        if (text[end] == '\\') ++end;
      }
      end = std::min(end + 1, text.size());
    } else {
      while (end < text.size() && !absl::ascii_isspace(static_cast<unsigned char>(text[end]))) {
        ++end;
      }
    }
    text.replace(i, end - i, kHidden);
  }
  return text;
}

}  // namespace

std::string redacted_url(std::string_view url) {
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.starts_with(scheme)) return redacted_query(redacted_userinfo(url, scheme.size()));
  }
  return redacted_keywords(std::string(url));
}

}  // namespace massmigration::postgres::internal
