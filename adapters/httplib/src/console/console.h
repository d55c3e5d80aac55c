// Internal: one mounted console: its options, sessions, and what every request goes through
// (who asks, may they, the headers every answer carries). Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_CONSOLE_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_CONSOLE_H_

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include "console/pages.h"
#include "console/sessions.h"
#include "massmigration/web.h"

namespace massmigration::web::internal {

// Who makes a request, and the console session that carries their CSRF token.
struct Visitor {
  std::string user;
  Session session;
};

class Console {
 public:
  explicit Console(ConsoleOptions options);

  const ConsoleOptions& options() const { return options_; }
  SessionStore& sessions() { return sessions_; }
  LoginThrottle& throttle() { return throttle_; }

  // The visitor of a GET, or nullopt after answering 303 (a page) or 401 (the API). With
  // `authorize`, a user without a console session gets one (a Set-Cookie on `response`).
  std::optional<Visitor> visitor(const httplib::Request& request, httplib::Response& response,
                                 bool api);
  // The visitor of a POST that may change something: a user, their session's csrf_token
  // field and a same-origin request; otherwise answers 303/401 or 403 and returns nullopt.
  std::optional<Visitor> trusted_visitor(const httplib::Request& request,
                                         httplib::Response& response);

  // Origin (or, without one, Referer) names the host the request was sent to, over HTTPS
  // when the cookie is Secure.
  bool same_origin(const httplib::Request& request) const;
  // The session cookie is Secure: the console is behind TLS.
  bool secure_cookie() const;
  // The request's Host is one the console answers to (ConsoleOptions::allowed_hosts).
  bool answers_to(const httplib::Request& request) const;

  // The frame of a page for `visitor` (its notice is taken: shown once).
  PageFrame frame(const std::optional<Visitor>& visitor);
  // The session cookie that carries `session` (empty id: one that ends it).
  std::string session_cookie(const std::string& id) const;
  // Answers with `html` and `status`.
  static void html(httplib::Response& response, int status, const std::string& html);

 private:
  std::optional<Session> cookie_session(const httplib::Request& request);
  void refuse(httplib::Response& response, int status, const std::string& heading,
              const std::string& message);

  const ConsoleOptions options_;
  const std::vector<std::string> allowed_hosts_;  // allowed_hosts(options_)
  SessionStore sessions_;
  LoginThrottle throttle_;
};

// The Host names a console with `options` answers to: its own and its login's; empty: any.
std::vector<std::string> allowed_hosts(const ConsoleOptions& options);

// Field `name` of the request's form body (application/x-www-form-urlencoded); empty when there
// is none. Never from the query string: a token or password there would end up in access logs
// and browser history, and a link could carry it.
std::string form_field(const httplib::Request& request, const std::string& name);

// Headers every answer of the console carries: no framing, no sniffing, no inline script, no
// caching of what a user saw.
void add_security_headers(httplib::Response& response);

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_CONSOLE_H_
