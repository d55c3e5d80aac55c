// The console's routes (web.h lists them).
#include <algorithm>
#include <memory>
#include <regex>
#include <set>
#include <stdexcept>

#include "absl/strings/escaping.h"
#include "console/actions.h"
#include "console/assets.h"
#include "console/console.h"
#include "console/pages.h"
#include "console/probes.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "massmigration/log.h"
#include "massmigration/registry.h"
#include "massmigration/status.h"
#include "massmigration/web.h"
#include "string_building.h"

namespace massmigration::web {
namespace {

using internal::Action;
using internal::Console;
using internal::Visitor;

using ConsoleHandler = std::function<void(Console&, const httplib::Request&, httplib::Response&)>;

// Every answer carries the security headers; a database that cannot answer is 503, anything
// else unexpected 500, both as a page that says what happened.
httplib::Server::Handler handler(std::shared_ptr<Console> console, ConsoleHandler fn) {
  return [console = std::move(console), fn = std::move(fn)](const httplib::Request& request,
                                                            httplib::Response& response) {
    internal::add_security_headers(response);
    if (!console->answers_to(request)) {
      return Console::html(
          response, 400,
          internal::problem_page(console->frame(std::nullopt), "Unknown host",
                                 strings::cat("This console does not answer to \"",
                                              request.get_header_value("Host"), "\".")));
    }
    try {
      fn(*console, request, response);
    } catch (const RecordStoreError& e) {
      Console::html(response, 503,
                    internal::problem_page(console->frame(std::nullopt),
                                           "A database did not answer", e.what()));
    } catch (const std::exception& e) {
      log(LogLevel::kError,
          strings::cat("console: ", request.method, " ",
                       absl::CHexEscape(strings::piece(request.path)), ": ", e.what()));
      Console::html(
          response, 500,
          internal::problem_page(console->frame(std::nullopt), "Something went wrong", e.what()));
    }
  };
}

void not_found(Console& console, const std::optional<Visitor>& who, httplib::Response& response,
               const std::string& message) {
  Console::html(response, 404, internal::problem_page(console.frame(who), "Not found", message));
}

std::vector<std::string> configured_aliases() {
  std::vector<std::string> aliases;
  for (const auto& [alias, url] : current_config().databases) aliases.push_back(alias);
  return aliases;
}

bool is_configured(const std::string& alias) { return current_config().databases.contains(alias); }

// The registered migration a URL names, or nullptr after answering 404. The text is parsed
// as a key before anything is looked up.
const Migration* url_migration(Console& console, const std::optional<Visitor>& who,
                               const std::string& text, httplib::Response& response) {
  std::optional<MigrationKey> key = MigrationKey::try_parse(text);
  const Migration* migration = key ? find_migration(*key) : nullptr;
  if (!migration) {
    not_found(console, who, response,
              key ? strings::cat("No migration is registered as ", text, ".")
                  : "That is not a migration key (app:0001_name).");
  }
  return migration;
}

void show_index(Console& console, const httplib::Request& request, httplib::Response& response) {
  std::optional<Visitor> who = console.visitor(request, response, false);
  if (!who) return;
  internal::IndexFilter filter{.app = request.get_param_value("app"),
                               .database = request.get_param_value("database")};
  std::set<std::string> app_set;
  for (const Migration* m : get_all_migrations()) app_set.insert(m->key().app_label());
  const std::vector<std::string> apps(app_set.begin(), app_set.end());
  const std::vector<std::string> aliases = configured_aliases();
  if (!filter.app.empty() && !app_set.contains(filter.app)) {
    return not_found(console, who, response, strings::cat("No app is named ", filter.app, "."));
  }
  if (!filter.database.empty() && !is_configured(filter.database)) {
    return not_found(console, who, response,
                     strings::cat("No database is named ", filter.database, "."));
  }
  std::vector<const Migration*> migrations = migrations_in_dependency_order();
  if (!filter.app.empty()) {
    std::erase_if(migrations,
                  [&](const Migration* m) { return m->key().app_label() != filter.app; });
  }
  const StatusReport report =
      status_report(std::move(migrations),
                    filter.database.empty() ? aliases : std::vector<std::string>{filter.database});
  Console::html(response, 200,
                internal::index_page(console.frame(who), report, filter, apps, aliases));
}

void show_detail(Console& console, const httplib::Request& request, httplib::Response& response) {
  std::optional<Visitor> who = console.visitor(request, response, false);
  if (!who) return;
  const Migration* migration = url_migration(console, who, request.matches[1], response);
  if (!migration) return;
  std::vector<const Migration*> shown;
  for (const MigrationKey& dependency : migration->dependencies()) {
    if (const Migration* m = find_migration(dependency)) shown.push_back(m);
  }
  shown.push_back(migration);
  const StatusReport report = status_report(std::move(shown), configured_aliases());
  Console::html(response, 200, internal::detail_page(console.frame(who), *migration, report));
}

struct ActionTarget {
  const Migration* migration;
  std::string alias;
  Action action;
  std::string status;  // what it shows there now
};

// The migration, database and action a URL names, with the status now; nullopt after
// answering 404 for any of them that is unknown.
std::optional<ActionTarget> action_target(Console& console, const std::optional<Visitor>& who,
                                          const httplib::Request& request,
                                          httplib::Response& response) {
  const Migration* migration = url_migration(console, who, request.matches[1], response);
  if (!migration) return std::nullopt;
  const std::string alias = request.matches[2];
  if (!is_configured(alias)) {
    not_found(console, who, response, strings::cat("No database is named ", alias, "."));
    return std::nullopt;
  }
  std::optional<Action> action = internal::parse_action(request.matches[3].str());
  if (!action) {
    not_found(console, who, response,
              "No such action (run, resume, pause, cancel, fake or delete).");
    return std::nullopt;
  }
  std::string status = status_report({migration}, {alias}).cells[0][0];
  return ActionTarget{migration, alias, *action, std::move(status)};
}

void refuse_action(Console& console, const Visitor& who, httplib::Response& response,
                   const std::string& reason) {
  Console::html(response, 422,
                internal::problem_page(console.frame(who), "Not allowed now", reason));
}

// GET: the confirmation page of a fake or delete; other actions are only posted.
void show_confirmation(Console& console, const httplib::Request& request,
                       httplib::Response& response) {
  std::optional<Visitor> who = console.visitor(request, response, false);
  if (!who) return;
  std::optional<ActionTarget> target = action_target(console, who, request, response);
  if (!target) return;
  if (!internal::needs_confirmation(target->action)) {
    response.set_header("Allow", "POST");
    Console::html(response, 405,
                  internal::problem_page(console.frame(who), "Use the button",
                                         "This action is taken with a POST from its page."));
    return;
  }
  if (auto why = internal::refusal(target->action, target->status)) {
    return refuse_action(console, *who, response, *why);
  }
  Console::html(response, 200,
                internal::confirm_page(console.frame(who), target->action, target->migration->key(),
                                       target->alias, target->status));
}

void take_action(Console& console, const httplib::Request& request, httplib::Response& response) {
  std::optional<Visitor> who = console.trusted_visitor(request, response);
  if (!who) return;
  std::optional<ActionTarget> target = action_target(console, who, request, response);
  if (!target) return;
  if (auto why = internal::refusal(target->action, target->status)) {
    return refuse_action(console, *who, response, *why);
  }
  if (internal::needs_confirmation(target->action) &&
      internal::form_field(request, "confirmed") != "yes") {
    Console::html(response, 200,
                  internal::confirm_page(console.frame(who), target->action,
                                         target->migration->key(), target->alias, target->status));
    return;
  }
  std::string done;
  try {
    done = internal::perform(target->action, *target->migration, target->alias, who->user);
  } catch (const RecordStoreError&) {
    throw;
  } catch (const MigrationError& e) {
    // The status changed since it was read, or the launch was refused (a dependency).
    return refuse_action(console, *who, response, e.what());
  }
  console.sessions().set_notice(who->session.id, done);
  response.set_redirect(
      strings::cat(console.options().prefix, "/migrations/", target->migration->key().str()), 303);
}

void login_form(Console& console, const httplib::Request&, httplib::Response& response) {
  if (console.options().authorize) {
    return not_found(console, std::nullopt, response, "This console has no login of its own.");
  }
  Console::html(response, 200, internal::login_page(console.frame(std::nullopt), ""));
}

void log_in(Console& console, const httplib::Request& request, httplib::Response& response) {
  const ConsoleOptions& options = console.options();
  if (options.authorize || !options.login) {
    return not_found(console, std::nullopt, response, "This console has no login of its own.");
  }
  auto page = [&](int status, const std::string& error) {
    Console::html(response, status, internal::login_page(console.frame(std::nullopt), error));
  };
  if (!console.same_origin(request)) {
    return page(403, "This login did not come from this console's own page.");
  }
  const std::string address =
      options.client_address ? options.client_address(request) : request.remote_addr;
  if (const std::chrono::seconds wait = console.throttle().begin(address); wait.count() > 0) {
    response.set_header("Retry-After", std::to_string(wait.count()));
    return page(429, strings::cat("Too many failed logins from your address; try again in ",
                                  wait.count(), " s."));
  }
  const bool user_ok =
      internal::same_secret(internal::form_field(request, "username"), options.login->username);
  // The hash is checked whatever the name, so a wrong name takes as long as a wrong password.
  const bool password_ok =
      verify_password(internal::form_field(request, "password"), options.login->password_hash);
  if (!user_ok || !password_ok) return page(401, "Wrong user name or password.");
  console.throttle().succeeded(address);
  const internal::Session session = console.sessions().create(options.login->username);
  response.set_header("Set-Cookie", console.session_cookie(session.id));
  response.set_redirect(options.prefix + "/", 303);
}

void log_out(Console& console, const httplib::Request& request, httplib::Response& response) {
  if (console.options().authorize) {
    // The application's users log out of the application.
    return not_found(console, std::nullopt, response, "This console has no login of its own.");
  }
  std::optional<Visitor> who = console.trusted_visitor(request, response);
  if (!who) return;
  console.sessions().end(who->session.id);
  response.set_header("Set-Cookie", console.session_cookie(""));
  response.set_redirect(console.options().prefix + "/login", 303);
}

void api_status(Console& console, const httplib::Request& request, httplib::Response& response) {
  if (!console.visitor(request, response, true)) return;
  response.set_content(status_json(status_report()), "application/json");
}

void healthz(Console& console, const httplib::Request& request, httplib::Response& response) {
  if (!console.options().public_probes && !console.visitor(request, response, true)) return;
  const internal::Health health = internal::health(status_report());
  response.status = health.ok ? 200 : 503;
  response.set_content(health.json, "application/json");
}

void metrics(Console& console, const httplib::Request& request, httplib::Response& response) {
  if (!console.options().public_probes && !console.visitor(request, response, true)) return;
  response.set_content(internal::metrics_text(status_report()),
                       "text/plain; version=0.0.4; charset=utf-8");
}

void check(const ConsoleOptions& options) {
  if (!options.authorize && !options.login) {
    throw std::invalid_argument(
        "massmigration::web::mount: set options.authorize (the application's own users) or "
        "options.login (the built-in login); a console without users would let anybody in");
  }
  // No segment of dots only: browsers resolve "/." and "/.." away before sending.
  static const std::regex kPrefix(R"((/(?!\.+(/|$))[A-Za-z0-9_.~-]+)*)");
  if (!std::regex_match(options.prefix, kPrefix)) {
    throw std::invalid_argument(strings::cat(
        "massmigration::web::mount: prefix \"", options.prefix,
        "\" must be empty or /segments of letters, digits, _ . ~ -, without a trailing /"));
  }
  const std::vector<std::string> hosts = internal::allowed_hosts(options);
  if (std::find(hosts.begin(), hosts.end(), "") != hosts.end()) {
    throw std::invalid_argument("massmigration::web::mount: an allowed host is empty");
  }
}

}  // namespace

void mount(httplib::Server& server, const ConsoleOptions& options) {
  check(options);
  auto console = std::make_shared<Console>(options);
  // The prefix holds no regex metacharacter but '.', escaped here.
  const std::string p = std::regex_replace(options.prefix, std::regex("\\."), "\\.");
  auto route = [&](ConsoleHandler fn) { return handler(console, std::move(fn)); };
  if (!p.empty()) {
    server.Get(p, route([](Console& c, const httplib::Request&, httplib::Response& response) {
                 response.set_redirect(c.options().prefix + "/", 301);
               }));
  }
  server.Get(p + "/", route(show_index));
  server.Get(p + "/migrations/([^/]+)", route(show_detail));
  server.Get(p + "/migrations/([^/]+)/([^/]+)/([^/]+)", route(show_confirmation));
  server.Post(p + "/migrations/([^/]+)/([^/]+)/([^/]+)", route(take_action));
  server.Get(p + "/login", route(login_form));
  server.Post(p + "/login", route(log_in));
  server.Post(p + "/logout", route(log_out));
  server.Get(p + "/api/status", route(api_status));
  server.Get(p + "/healthz", route(healthz));
  server.Get(p + "/metrics", route(metrics));
  auto asset = [&](std::string_view body, const char* type) {
    return route([body, type](Console&, const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(body), type);
    });
  };
  server.Get(p + "/static/console.js", asset(internal::kConsoleScript, "text/javascript"));
  server.Get(p + "/static/console.css", asset(internal::kConsoleStyle, "text/css"));
  server.Get(p + "/static/favicon.svg", asset(internal::kFavicon, "image/svg+xml"));
}

}  // namespace massmigration::web
