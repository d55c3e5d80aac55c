// serve / console-password: the web console, standalone.
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>
#include <thread>

#include "absl/strings/ascii.h"
#include "context.h"
#include "massmigration/api.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "string_building.h"
#ifdef MASSMIGRATION_CLI_HAS_CONSOLE
#include "massmigration/web.h"
#endif

namespace massmigration::cli::internal {
namespace {

struct Listen {
  std::string host;
  int port = 0;
};

Listen parse_listen(const std::string& text) {
  const size_t colon = text.rfind(':');
  Listen listen;
  const char* end = text.data() + text.size();
  if (colon != std::string::npos && colon > 0) {
    listen.host = text.substr(0, colon);
    auto [at, error] = std::from_chars(text.data() + colon + 1, end, listen.port);
    if (error == std::errc() && at == end && listen.port >= 0 && listen.port <= 65535) {
      return listen;
    }
  }
  throw UsageError(
      strings::cat("--listen needs HOST:PORT with a port from 0 (any free one) to "
                   "65535, e.g. 127.0.0.1:8000, not \"",
                   text, "\""));
}

#ifdef MASSMIGRATION_CLI_HAS_CONSOLE
// SIGTERM and SIGINT (see main.cc) stop local runs; the server stops with them. `served` is
// set once the server has stopped on its own.
void stop_with_local_runs(httplib::Server& server, const std::atomic<bool>& served) {
  // httplib's stop() does nothing to a server whose loop has not started yet.
  while (!served && !(api::local_runs_stopped() && server.is_running())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server.stop();
}
#endif

}  // namespace

int serve(Context& ctx, const std::vector<std::string>& args) {
  const Args parsed(args, {"listen"}, {"public-probes"});
  parsed.expect_positional({});
  const Listen listen = parse_listen(parsed.option("listen").value_or("127.0.0.1:8000"));
#ifdef MASSMIGRATION_CLI_HAS_CONSOLE
  const std::optional<ConsoleLogin>& login = current_config().console;
  if (!login) {
    throw ConfigError("[console]", strings::cat("serve needs a [console] section with username and "
                                                "password_hash (print the hash with `",
                                                ctx.program, " console-password`)"));
  }
  if (!web::is_password_hash(login->password_hash)) {
    throw ConfigError("[console] password_hash",
                      strings::cat("not a whole argon2id hash (cut short when pasted?); print "
                                   "one with `",
                                   ctx.program, " console-password`"));
  }
  httplib::Server server;
  server.set_payload_max_length(64 * 1024);  // a form is a few hundred bytes
  web::ConsoleOptions options;
  options.login = *login;
  if (!login->client_address_header.empty()) {
    // The last entry is the one the proxy itself added; earlier ones the client could write.
    options.client_address = [header = login->client_address_header](const httplib::Request& r) {
      const std::string value = r.get_header_value(header);
      if (value.empty()) return r.remote_addr;
      const size_t comma = value.rfind(',');
      return std::string(
          absl::StripAsciiWhitespace(comma == std::string::npos ? value : value.substr(comma + 1)));
    };
  }
  options.public_probes = parsed.flag("public-probes");
  web::mount(server, options);
  const int port = listen.port == 0
                       ? server.bind_to_any_port(listen.host)
                       : (server.bind_to_port(listen.host, listen.port) ? listen.port : -1);
  if (port < 0) {
    ctx.err << ctx.program << ": serve: cannot listen on " << listen.host << ":" << listen.port
            << " (in use, or not an address of this machine)\n";
    return kFailed;
  }
  ctx.out << "massmigration console on http://" << listen.host << ":" << port << options.prefix
          << "/ (user " << login->username << "; stop with Ctrl-C)" << std::endl;
  std::atomic<bool> served = false;
  std::thread stopper([&] { stop_with_local_runs(server, served); });
  const bool clean = server.listen_after_bind();
  served = true;
  stopper.join();
  return clean || api::local_runs_stopped() ? kOk : kFailed;
#else
  (void)listen;
  ctx.err << ctx.program << ": serve: this program was built without the web console "
          << "(MASSMIGRATION_WITH_CONSOLE=OFF)\n";
  return kFailed;
#endif
}

int console_password(Context& ctx, const std::vector<std::string>& args) {
  Args(args, {}, {}).expect_positional({});
#ifdef MASSMIGRATION_CLI_HAS_CONSOLE
  // At a terminal the password is typed without echo.
  const bool terminal = &ctx.in == &std::cin && isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (terminal && tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    ctx.err << "Password: " << std::flush;
  }
  std::string password;
  std::getline(ctx.in, password);
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    ctx.err << "\n";
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    throw UsageError("no password on standard input (type it, or pipe it in)");
  }
  ctx.out << web::hash_password(password) << "\n";
  return kOk;
#else
  ctx.err << ctx.program << ": console-password: this program was built without the web "
          << "console (MASSMIGRATION_WITH_CONSOLE=OFF)\n";
  return kFailed;
#endif
}

}  // namespace massmigration::cli::internal
