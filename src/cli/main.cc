#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/str_join.h"
#include "context.h"
#include "massmigration/api.h"
#include "massmigration/cli.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "string_building.h"

namespace massmigration::cli {
namespace {

using internal::Context;
using internal::kFailed;
using internal::kOk;
using internal::kUsage;
using internal::UsageError;

struct BuiltIn {
  const char* name;
  const char* usage;
  const char* summary;
  int (*run)(Context&, const std::vector<std::string>&);
  bool needs_configuration;
};

constexpr BuiltIn kBuiltIns[] = {
    {"showmigrations", "showmigrations [--database A] [--app X] [--format table|json]",
     "every migration on every database with its status", internal::showmigrations, true},
    {"migrate_all", "migrate_all [--database A] [--app X] [--dry-run] [--fake]",
     "apply every pending migration, in dependency order, on every database it may run on",
     internal::migrate_all, true},
    {"migrator", "migrator [--auto] [--database A] [--app X]",
     "interactive menu (migrate all, one database, status, configuration); --auto runs "
     "migrate_all",
     internal::migrator, true},
    {"run", "run KEY --database A",
     "run one migration on one database (with the workers backend: queue it and return)",
     internal::run_one, true},
    {"fake", "fake KEY --database A", "record one migration as applied without running it",
     internal::fake_one, true},
    {"resume", "resume KEY --database A",
     "continue a run that was paused, failed or whose process died (a mapper after its last "
     "committed chunk, others from the start)",
     internal::resume_one, true},
    {"delete", "delete KEY --database A [--force]",
     "delete one migration's record on one database, so that it can run again; a record "
     "whose run may go on (RUNNING, STALLED, PAUSING, PAUSED, CANCELLING) or an invalid one "
     "only with --force",
     internal::delete_one, true},
    {"pause", "pause KEY --database A",
     "ask a run to stop after its current chunk and record PAUSED (resume continues it)",
     internal::pause_one, true},
    {"cancel", "cancel KEY --database A",
     "ask a run to stop after its current chunk and record CANCELLED (final for that attempt)",
     internal::cancel_one, true},
    {"tune", "tune KEY --database A [--chunk-size N] [--pause-ms M]",
     "change a running mapper's chunk size or pause between chunks, from its next chunk",
     internal::tune_one, true},
    {"finish", "finish KEY --database A [--timeout S]",
     "make sure a migration ends APPLIED: run it if not run, wait for a live run, resume a "
     "stalled, paused or failed one; exit 0 only when applied",
     internal::finish_one, true},
    {"history", "history KEY [--database A] [--format table|json]",
     "the audit trail of one migration: launches, pauses, resumes, failures, ...",
     internal::history, true},
    {"worker", "worker [--database A]... [--concurrency N] [--name NAME] [--once]",
     "claim and run chunks of runs the workers backend queued, until SIGTERM (after its "
     "chunk) or, with --once, until no chunk is left that it could claim; NAME (default "
     "host:pid) is recorded as the chunks' claimant",
     internal::worker, true},
    {"serve", "serve [--listen HOST:PORT] [--public-probes]",
     "the web console (default 127.0.0.1:8000, port 0: any free one), with the [console] "
     "user; --public-probes lets /healthz and /metrics answer without a user",
     internal::serve, true},
    {"console-password", "console-password",
     "read a password on standard input and print its argon2id hash, for [console] "
     "password_hash",
     internal::console_password, false},
    {"makemassmigration", "makemassmigration APP NAME [--template simple|mapper|custom]",
     "write APP/massmigrations/NNNN_NAME.cc, numbered after the app's last migration",
     internal::makemassmigration, false},
    {"check", "check",
     "validate configuration, registry, dependencies (unknown or cyclic) and guards",
     internal::check_command, true},
};

void print_help(Context& ctx) {
  ctx.out << "usage: " << ctx.program << " [--config FILE] COMMAND [ARGS]\n\nCommands:\n";
  for (const BuiltIn& c : kBuiltIns) ctx.out << "  " << c.usage << "\n      " << c.summary << "\n";
  for (const Command& c : ctx.options.commands) {
    ctx.out << "  " << c.name << "\n      " << c.summary << "\n";
  }
  ctx.out << "\nConfiguration: --config FILE, else $MASSMIGRATION_CONFIG, else "
             "./massmigration.toml.\n"
             "Exit status: 0 success, 1 something failed, 2 bad usage or configuration.\n"
             "Run '"
          << ctx.program << " COMMAND --help' for one command.\n";
}

// Installs the configuration the command line names, or keeps what the program installed.
void load_configuration(const std::optional<std::string>& flag) {
  std::optional<std::string> path = flag;
  if (!path) {
    if (const char* env = std::getenv("MASSMIGRATION_CONFIG"); env && *env) path = env;
  }
  if (!path && std::filesystem::exists("massmigration.toml")) path = "massmigration.toml";
  if (path) {
    configure(Config::from_toml_file(*path));
    return;
  }
  if (!is_configured()) {
    throw ConfigError("command line",
                      "no configuration: pass --config FILE, set MASSMIGRATION_CONFIG, or put "
                      "massmigration.toml in the current directory");
  }
}

bool wants_help(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(),
                     [](const std::string& a) { return a == "--help" || a == "-h"; });
}

// The arguments without --config, which is global: it may come before or after the command.
struct GlobalArgs {
  std::optional<std::string> config_path;
  std::vector<std::string> args;
};

// nullopt when --config has no value.
std::optional<GlobalArgs> take_config_option(const std::vector<std::string>& all_args) {
  GlobalArgs global;
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "--config") {
      if (i + 1 >= all_args.size()) return std::nullopt;
      global.config_path = all_args[++i];
    } else if (all_args[i].starts_with("--config=")) {
      global.config_path = all_args[i].substr(std::string_view("--config=").size());
    } else {
      global.args.push_back(all_args[i]);
    }
  }
  return global;
}

const BuiltIn* find_built_in(const std::string& name) {
  const BuiltIn* found = nullptr;
  for (const BuiltIn& c : kBuiltIns) {
    if (name == c.name) found = &c;
  }
  return found;
}

const Command* find_app_command(const Options& options, const std::string& name) {
  const Command* found = nullptr;
  for (const Command& c : options.commands) {
    if (name == c.name) found = &c;
  }
  return found;
}

int unknown_command(const std::string& program, const std::string& command, std::ostream& err,
                    const Options& options) {
  std::vector<std::string> names;
  for (const BuiltIn& c : kBuiltIns) names.emplace_back(c.name);
  for (const Command& c : options.commands) names.push_back(c.name);
  err << program << ": unknown command \"" << command
      << "\" (commands: " << absl::StrJoin(names, ", ") << ")\n";
  return kUsage;
}

int run_on(const std::string& program, const std::vector<std::string>& all_args, std::istream& in,
           std::ostream& out, std::ostream& err, const Options& options, bool terminal) {
  Context ctx{program, in, out, err, options, terminal};
  std::optional<GlobalArgs> global = take_config_option(all_args);
  if (!global) {
    err << program << ": --config needs a value\n";
    return kUsage;
  }
  const std::optional<std::string>& config_path = global->config_path;
  const std::vector<std::string>& args = global->args;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.empty()) {
      print_help(ctx);
      return kUsage;
    }
    print_help(ctx);
    return kOk;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const BuiltIn* built_in = find_built_in(command);
  const Command* app_command = find_app_command(options, command);
  if (!built_in && !app_command) return unknown_command(program, command, err, options);
  if (built_in && wants_help(rest)) {
    out << "usage: " << program << " [--config FILE] " << built_in->usage << "\n  "
        << built_in->summary << "\n";
    return kOk;
  }
  try {
    if (!built_in || built_in->needs_configuration) {
      load_configuration(config_path);
    }
    if (app_command) return app_command->run(rest, out, err);
    return built_in->run(ctx, rest);
  } catch (const UsageError& e) {
    err << program << " " << command << ": " << e.what() << "\nusage: " << program << " "
        << (built_in ? built_in->usage : command.c_str()) << "\n";
    return kUsage;
  } catch (const ConfigError& e) {
    err << program << ": " << e.what() << "\n";
    return kUsage;
  } catch (const std::exception& e) {
    err << program << ": " << e.what() << "\n";
    return kFailed;
  }
}

// SIGTERM and SIGINT stop the runs of this command after their current chunk, recorded PAUSED
// (resume continues them), or a worker after its chunk; a second one ends the process at once.
// The signals are taken by a thread of their own, so that the runs see a plain request rather
// than an interrupted call. `what_stops` says which, for the message.
void stop_runs_on_signals(const std::string& program, const std::string& what_stops) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  // Before any other thread starts: they inherit the mask, and only the thread below waits.
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) return;
  // Programs a migration starts (system(), pg_dump) get the signals as usual.
  pthread_atfork(nullptr, nullptr, [] {
    sigset_t inherited;
    sigemptyset(&inherited);
    sigaddset(&inherited, SIGTERM);
    sigaddset(&inherited, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &inherited, nullptr);
  });
  std::thread([signals, program, what_stops] {
    int received = 0;
    if (sigwait(&signals, &received) != 0) return;
    api::stop_local_runs();  // before saying so: what follows the message sees it
    std::cerr << program << ": " << (received == SIGINT ? "interrupted" : "terminated") << ": "
              << what_stops << " (a second signal stops at once)\n";
    if (sigwait(&signals, &received) != 0) return;
    std::signal(received, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
    raise(received);
  }).detach();
}

}  // namespace

int run(const std::string& program, const std::vector<std::string>& args, std::istream& in,
        std::ostream& out, std::ostream& err, const Options& options) {
  return run_on(program, args, in, out, err, options, /*terminal=*/false);
}

int main(int argc, char** argv, const Options& options) {
  std::string program = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "manage";
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  // A worker's runs are not this process's: they go on with the other workers.
  const std::optional<GlobalArgs> global = take_config_option(args);
  const bool worker = global && !global->args.empty() && global->args.front() == "worker";
  stop_runs_on_signals(program,
                       worker ? "the worker commits the chunk it is in and stops; its runs "
                                "go on with the other workers"
                              : "runs stop after their current chunk and are recorded PAUSED");
  return run_on(program, args, std::cin, std::cout, std::cerr, options, isatty(STDOUT_FILENO) != 0);
}

}  // namespace massmigration::cli
