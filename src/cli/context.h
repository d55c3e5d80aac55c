// Internal: what every command gets, and helpers they share. Not API.
#ifndef MASSMIGRATION_SRC_CLI_CONTEXT_H_
#define MASSMIGRATION_SRC_CLI_CONTEXT_H_

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "massmigration/cli.h"
#include "massmigration/migration.h"
#include "massmigration/record.h"
#include "massmigration/status.h"

namespace massmigration::cli::internal {

inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

struct Context {
  std::string program;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  const Options& options;
  bool terminal = false;  // out is a terminal: progress bars redraw in place
};

// The records of one alias (read_database_records); a row no registered migration has (a
// foreign key, or a migration removed from the program) is warned about on ctx.err, once, and
// changes nothing else.
DatabaseRecords read_records(Context& ctx, const std::string& alias);
// Prints a report's warnings about ignored rows on ctx.err.
void warn_ignored(Context& ctx, const DatabaseRecords& records);

// How a run that stopped before the end (PAUSED or CANCELLED) left it, and what to do:
// "after N rows (resume KEY --database A continues it)", or for a cancelled one "after N rows
// (final for that attempt; delete its record to run it afresh)", with its error when it failed
// while being cancelled.
std::string stopped_text(const MigrationRecord& record, const std::string& alias);

// Who acts from the command line, for the audit trail: "USER@HOST" (the OS user this process
// runs as).
std::string operator_name();

// A registered migration's key; a malformed or unknown one is a UsageError.
MigrationKey parse_key(const std::string& text);
// One migration on one database, from "KEY --database A".
struct Target {
  MigrationKey key;
  std::string alias;
};
// A malformed key, an unregistered one or an unknown or missing database is a UsageError.
Target parse_target(const Args& parsed);
inline Target parse_target(const std::vector<std::string>& args) {
  return parse_target(Args(args, {"database"}, {}));
}

// Configured aliases, narrowed to `only` when given; UsageError for an unknown one.
std::vector<std::string> selected_aliases(const std::optional<std::string>& only);
// Registered migrations in dependency order (dependencies first, ties by key), narrowed to app
// `only` when given; UsageError for an app without migrations.
std::vector<const Migration*> selected_migrations(const std::optional<std::string>& only);
// Whether `migration` may run on `alias` (allowed_db_aliases and routing).
bool runs_on(const Migration& migration, const std::string& alias);

// Commands. Each returns an exit status; UsageError escapes for the dispatcher to report.
int showmigrations(Context& ctx, const std::vector<std::string>& args);
int migrate_all(Context& ctx, const std::vector<std::string>& args);
int migrator(Context& ctx, const std::vector<std::string>& args);
int run_one(Context& ctx, const std::vector<std::string>& args);
int fake_one(Context& ctx, const std::vector<std::string>& args);
int resume_one(Context& ctx, const std::vector<std::string>& args);
int delete_one(Context& ctx, const std::vector<std::string>& args);
int pause_one(Context& ctx, const std::vector<std::string>& args);
int cancel_one(Context& ctx, const std::vector<std::string>& args);
int tune_one(Context& ctx, const std::vector<std::string>& args);
int finish_one(Context& ctx, const std::vector<std::string>& args);
int history(Context& ctx, const std::vector<std::string>& args);
int worker(Context& ctx, const std::vector<std::string>& args);
int makemassmigration(Context& ctx, const std::vector<std::string>& args);
int check_command(Context& ctx, const std::vector<std::string>& args);
int serve(Context& ctx, const std::vector<std::string>& args);
int console_password(Context& ctx, const std::vector<std::string>& args);

// migrate_all's work, shared with migrator.
struct MigrateOptions {
  std::optional<std::string> database;
  std::optional<std::string> app;
  bool dry_run = false;
  bool fake = false;
};
int migrate(Context& ctx, const MigrateOptions& options);
// showmigrations' table, shared with migrator.
int print_status_table(Context& ctx, const std::optional<std::string>& database,
                       const std::optional<std::string>& app);

}  // namespace massmigration::cli::internal

#endif  // MASSMIGRATION_SRC_CLI_CONTEXT_H_
