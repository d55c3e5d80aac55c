// The web console (target massmigration::web): every migration on every database in a
// browser, with run control and the audit trail, mounted into an application's own server.
//
//   httplib::Server server;
//   mm::web::ConsoleOptions options;
//   options.authorize = [](const httplib::Request& request) -> std::optional<std::string> {
//     if (auto user = my_app::staff_user(request)) return user->name;  // the app's own login
//     return std::nullopt;
//   };
//   options.login_url = "/accounts/login";
//   mm::web::mount(server, options);  // the console is at /massmigrations/
//
// `manage serve` mounts it with the built-in login instead (options.login, from [console]).
//
// Routes under options.prefix: GET / (every migration × database), GET /migrations/KEY (one
// migration, its records and audit trail), POST /migrations/KEY/ALIAS/ACTION (run, resume,
// pause, cancel, fake, delete; a GET of fake or delete shows what it will do), GET/POST
// /login, POST /logout, GET /api/status (the showmigrations JSON), GET /healthz, GET
// /metrics, GET /static/... (the page's script and style sheet).
//
// What it promises:
// - Nothing without a user: a page answers 303 to the login page, the API 401.
// - A POST changes something only with the session's csrf_token form field and an Origin (or,
//   without one, a Referer) of this server's own host; otherwise 403 and nothing changes. The
//   login needs the same origin (there is no session yet). GET changes nothing.
// - Sessions live in this process's memory: a restart logs everybody out, and replicas behind
//   one address need sticky routing.
// - Every value in a page is HTML-escaped; pages run no inline script (Content-Security-Policy
//   default-src 'self'), may not be framed, and are not sniffed.
// - Keys and aliases in URLs are checked before anything is looked up: unknown ones are 404.
// - An action the status does not allow is 422 with the reason, and changes nothing. Every
//   action goes through the API (api.h) and is written to the audit trail with the user's
//   name as its actor.
//
// Thread safety: the handlers may run on any number of httplib's threads at once.
#ifndef MASSMIGRATION_WEB_H_
#define MASSMIGRATION_WEB_H_

#include <httplib.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/config.h"

namespace massmigration::web {

struct ConsoleOptions {
  // Where the console lives on the server: no trailing slash, "" for the root.
  std::string prefix = "/massmigrations";
  // Who makes the request, by the application's own authentication: the user's name (shown,
  // and written to the audit trail), or nullopt for nobody. When set, it alone decides, and
  // the built-in login is off.
  std::function<std::optional<std::string>(const httplib::Request&)> authorize{};
  // Where a page sends a request without a user (303): with `authorize`, the application's
  // login page (empty: 401 instead); with `login`, always PREFIX/login.
  std::string login_url{};
  // The built-in login: one user and its argon2id password hash ([console] of the
  // configuration). Used when `authorize` is not set.
  std::optional<ConsoleLogin> login{};
  // Mark the console's session cookie Secure (sent over HTTPS only), for a console behind TLS;
  // a POST must then come from an https:// page of the host. The built-in login's
  // ConsoleLogin::secure_cookie does the same.
  bool secure_cookie = false;
  // How long a console session lasts: a login of the built-in login, or the session that
  // carries an `authorize` user's CSRF token (a page older than that is refused its next POST).
  std::chrono::seconds session_lifetime = std::chrono::hours(8);
  // How often the index page asks for fresh status while runs are live.
  std::chrono::milliseconds refresh_interval = std::chrono::milliseconds(2500);
  // Failed logins from one address before further attempts are refused (429) for
  // `login_lockout`.
  int login_attempts = 5;
  std::chrono::seconds login_lockout = std::chrono::minutes(5);
  // The client's address, for that count; unset: the peer's (Request::remote_addr). Behind a
  // reverse proxy every peer is the proxy: return the address it passes on instead (e.g. the
  // last entry of its X-Forwarded-For), or one client's failures lock everybody out.
  std::function<std::string(const httplib::Request&)> client_address{};
  // /healthz and /metrics answer without a user: for a readiness probe or a metrics scraper
  // that cannot log in, where the network itself keeps strangers out.
  bool public_probes = false;
  // The names the console answers to, as the Host header gives them ("migrations.example.com"
  // for any port, "localhost:8000" for that port alone; letter case aside); any other gets 400
  // and nothing else. Empty: any name. List them where browsers can reach the server: a page
  // of another site whose name is made to resolve to this server (DNS rebinding) is then
  // refused. The built-in login's ConsoleLogin::allowed_hosts adds to these.
  std::vector<std::string> allowed_hosts{};
};

// Adds the console's routes to `server`. The handlers read the configuration installed with
// configure() when they run: install it before the first request. Bodies are read whole before
// routing: give the server a limit (httplib's set_payload_max_length; `manage serve` allows
// 64 KiB). Throws std::invalid_argument when `options` has neither `authorize` nor `login`,
// a prefix that is neither "" nor "/"-separated segments of letters, digits and _ . ~ -
// (no trailing "/", no segment of dots only), or an empty allowed host.
void mount(httplib::Server& server, const ConsoleOptions& options);

// An argon2id hash of `password` with a fresh random salt, in the encoded form
// "$argon2id$v=19$m=...,t=...,p=...$SALT$HASH" that ConsoleLogin::password_hash holds.
std::string hash_password(std::string_view password);
// Whether `password` matches `encoded_hash` (hash_password's form). A malformed hash
// matches nothing.
bool verify_password(std::string_view password, const std::string& encoded_hash);
// Whether `encoded_hash` is a well-formed argon2id hash (one that some password matches).
bool is_password_hash(const std::string& encoded_hash);

}  // namespace massmigration::web

#endif  // MASSMIGRATION_WEB_H_
