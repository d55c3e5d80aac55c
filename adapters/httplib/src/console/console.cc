#include "console/console.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "string_building.h"

namespace massmigration::web::internal {
namespace {

constexpr char kCookieName[] = "massmigration_session";

// The value of cookie `name` in the request's Cookie headers; empty when there is none.
std::string cookie_value(const httplib::Request& request, std::string_view name) {
  const size_t count = request.get_header_value_count("Cookie");
  for (size_t i = 0; i < count; ++i) {
    const std::string header = request.get_header_value("Cookie", i);
    for (absl::string_view pair : absl::StrSplit(header, ';')) {
      pair = absl::StripAsciiWhitespace(pair);
      if (absl::ConsumePrefix(&pair, strings::piece(name)) && absl::ConsumePrefix(&pair, "=")) {
        return std::string(pair);
      }
    }
  }
  return {};
}

// `url` starts with the origin of the host the request was sent to, or is it. Behind TLS
// (`https_only`) a plain-HTTP page of the same host is another origin: whoever can write into
// unencrypted traffic could serve it.
bool names_own_origin(std::string_view url, const std::string& host, bool https_only) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (https_only && scheme == "http://") continue;
    const std::string origin = strings::cat(scheme, host);
    if (url == origin || url.starts_with(origin + "/")) return true;
  }
  return false;
}

}  // namespace

std::string form_field(const httplib::Request& request, const std::string& name) {
  if (!request.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    return {};
  }
  httplib::Params form;
  // httplib's own decoder, the one it fills Request::params with (query and body merged).
  httplib::detail::parse_query_text(request.body, form);
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

void add_security_headers(httplib::Response& response) {
  response.set_header("Content-Security-Policy",
                      "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                      "base-uri 'none'");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "same-origin");
  response.set_header("Cache-Control", "no-store");
}

Console::Console(ConsoleOptions options)
    : options_(std::move(options)),
      allowed_hosts_(allowed_hosts(options_)),
      sessions_(options_.session_lifetime),
      throttle_(options_.login_attempts, options_.login_lockout) {}

bool Console::same_origin(const httplib::Request& request) const {
  const std::string host = request.get_header_value("Host");
  if (host.empty()) return false;
  const bool https_only = secure_cookie();
  if (request.has_header("Origin")) {
    const std::string origin = request.get_header_value("Origin");
    return names_own_origin(origin, host, https_only) &&
           origin.find('/', origin.find("//") + 2) == std::string::npos;
  }
  return names_own_origin(request.get_header_value("Referer"), host, https_only);
}

std::vector<std::string> allowed_hosts(const ConsoleOptions& options) {
  std::vector<std::string> allowed = options.allowed_hosts;
  if (options.login) {
    allowed.insert(allowed.end(), options.login->allowed_hosts.begin(),
                   options.login->allowed_hosts.end());
  }
  return allowed;
}

bool Console::answers_to(const httplib::Request& request) const {
  if (allowed_hosts_.empty()) return true;
  const std::string host = request.get_header_value("Host");
  // The name without its port (digits after the last colon); an IPv6 address keeps its
  // brackets. A name left with a colon outside brackets ("a:1:2", "a:b") is malformed and
  // matches nothing.
  const size_t colon = host.rfind(':');
  const std::string_view after =
      colon == std::string::npos ? std::string_view() : std::string_view(host).substr(colon + 1);
  const bool has_port =
      !after.empty() && std::all_of(after.begin(), after.end(), absl::ascii_isdigit);
  const std::string name = host.substr(0, has_port ? colon : host.size());
  if (name.find(':') != std::string::npos && !name.starts_with('[')) return false;
  return std::any_of(allowed_hosts_.begin(), allowed_hosts_.end(), [&](const std::string& entry) {
    return absl::EqualsIgnoreCase(entry, host) || absl::EqualsIgnoreCase(entry, name);
  });
}

bool Console::secure_cookie() const {
  return options_.secure_cookie || (options_.login && options_.login->secure_cookie);
}

std::optional<Session> Console::cookie_session(const httplib::Request& request) {
  const std::string id = cookie_value(request, kCookieName);
  if (id.empty()) return std::nullopt;
  return sessions_.find(id);
}

std::string Console::session_cookie(const std::string& id) const {
  const std::string path = options_.prefix.empty() ? "/" : options_.prefix;
  return strings::cat(kCookieName, "=", id, "; Path=", path, "; HttpOnly; SameSite=Strict",
                      secure_cookie() ? "; Secure" : "", id.empty() ? "; Max-Age=0" : "");
}

void Console::html(httplib::Response& response, int status, const std::string& html) {
  response.status = status;
  response.set_content(html, "text/html; charset=utf-8");
}

void Console::refuse(httplib::Response& response, int status, const std::string& heading,
                     const std::string& message) {
  html(response, status, problem_page(frame(std::nullopt), heading, message));
}

std::optional<Visitor> Console::visitor(const httplib::Request& request,
                                        httplib::Response& response, bool api) {
  std::optional<Session> session = cookie_session(request);
  std::optional<std::string> user;
  if (options_.authorize) {
    user = options_.authorize(request);
    // The API needs no CSRF token, so no session; a page gets its user's console session,
    // which carries the token (one per user, however many clients come without the cookie).
    if (user && api) return Visitor{*user, Session{}};
    if (user && (!session || session->user != *user)) {
      session = sessions_.of_user(*user);
      response.set_header("Set-Cookie", session_cookie(session->id));
    }
  } else if (session) {
    user = session->user;
  }
  if (user && session) return Visitor{*user, *session};
  const std::string login = options_.authorize ? options_.login_url : options_.prefix + "/login";
  if (api || login.empty()) {
    response.status = 401;
    response.set_content(api ? "{\"error\": \"log in first\"}\n" : "Log in first.\n",
                         api ? "application/json" : "text/plain; charset=utf-8");
  } else {
    response.set_redirect(login, 303);
  }
  return std::nullopt;
}

std::optional<Visitor> Console::trusted_visitor(const httplib::Request& request,
                                                httplib::Response& response) {
  if (!same_origin(request)) {
    refuse(response, 403, "Refused",
           "This request did not come from a page of this console (its Origin or Referer "
           "names another site, or nothing); nothing was changed.");
    return std::nullopt;
  }
  std::optional<Session> before = cookie_session(request);
  std::optional<Visitor> who = visitor(request, response, false);
  if (!who) return std::nullopt;
  // A session made just now (see visitor) has a token the form could not have carried.
  const bool token_ok = before && before->id == who->session.id &&
                        same_secret(form_field(request, "csrf_token"), who->session.csrf_token);
  if (!token_ok) {
    refuse(response, 403, "Refused",
           "This form's security token is missing or out of date (reload the page and try "
           "again); nothing was changed.");
    return std::nullopt;
  }
  return who;
}

PageFrame Console::frame(const std::optional<Visitor>& visitor) {
  PageFrame frame{.prefix = options_.prefix, .refresh_interval = options_.refresh_interval};
  if (visitor) {
    frame.user = visitor->user;
    frame.can_log_out = !options_.authorize;
    frame.csrf_token = visitor->session.csrf_token;
    frame.notice = sessions_.take_notice(visitor->session.id);
  }
  return frame;
}

}  // namespace massmigration::web::internal
