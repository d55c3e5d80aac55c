#include <chrono>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "context.h"
#include "massmigration/api.h"
#include "massmigration/errors.h"
#include "progress_display.h"
#include "string_building.h"

namespace massmigration::cli::internal {
namespace {

struct Tally {
  int applied = 0;
  int failed = 0;
  int skipped = 0;
  int already = 0;
  int in_background = 0;
};

// The first dependency of `m` not applied on the alias, by the (possibly simulated) records.
std::optional<std::string> unmet_dependency(const Migration& m,
                                            const std::map<std::string, MigrationStatus>& status) {
  for (const MigrationKey& dependency : m.dependencies()) {
    auto it = status.find(dependency.str());
    if (it == status.end() || it->second != MigrationStatus::kApplied) return dependency.str();
  }
  return std::nullopt;
}

// "run by host h pid 1 since T, last seen T2", by the record.
std::string run_by(const MigrationRecord& record) {
  return strings::cat("run by ", record.owner.empty() ? "an unnamed process" : record.owner,
                      " since ", format_timestamp(record.initiated_at), ", last seen ",
                      format_timestamp(record.heartbeat_at.value_or(record.initiated_at)));
}

// Reports a migration its record settles (applied, running elsewhere, failed, invalid); false
// for one to run: not run yet, or an ERRORED mapper, which launching again resumes.
bool settled_by_record(Context& ctx, const Migration& m, const std::string& alias,
                       const DatabaseRecords& records, Tally& tally) {
  const std::string key = m.key().str();
  switch (records.status(m.key())) {
    case MigrationStatus::kApplied:
      ++tally.already;
      return true;
    case MigrationStatus::kRunning:
    case MigrationStatus::kPausing:
    case MigrationStatus::kCancelling:
      ctx.out << absl::StrFormat("  %-8s ", to_string(records.status(m.key()))) << key << " ("
              << run_by(records.by_key.at(key)) << "; not waited for)\n";
      ++tally.in_background;
      return true;
    case MigrationStatus::kPaused:
      ctx.out << "  PAUSED   " << key << " (at " << records.by_key.at(key).rows_done
              << " rows; not resumed: resume " << key << " --database " << alias << ")\n";
      ++tally.in_background;
      return true;
    case MigrationStatus::kCancelled:
      ctx.out << "  CANCELLED " << key << " (to run it afresh: delete " << key << " --database "
              << alias << ", then run it)\n";
      ++tally.in_background;
      return true;
    case MigrationStatus::kStalled:
      ctx.out << "  STALLED  " << key << " (" << run_by(records.by_key.at(key))
              << ", longer ago than the lease: its process died or hangs; resume " << key
              << " --database " << alias << ")\n";
      ++tally.failed;
      return true;
    case MigrationStatus::kErrored:
      if (m.type() == MigrationType::kMapper) return false;  // launching it again resumes it
      ctx.out << "  FAILED   " << key << " earlier: " << records.by_key.at(key).last_error
              << " (to run it again: resume " << key << " --database " << alias << ")\n";
      ++tally.failed;
      return true;
    case MigrationStatus::kUnknown:
      ctx.out << "  UNKNOWN  " << key << ": " << records.invalid.at(key)
              << " (not run; correct that row, or if no process runs it, remove it: delete " << key
              << " --database " << alias << " --force)\n";
      ++tally.failed;
      return true;
    case MigrationStatus::kNotRun:
      return false;
  }
  return false;
}

// Runs (or fakes) `m` on `alias` and reports what its record says then; `status` follows.
void launch(Context& ctx, const Migration& m, const std::string& alias,
            const MigrateOptions& options, bool resuming,
            std::map<std::string, MigrationStatus>& status, Tally& tally) {
  const std::string key = m.key().str();
  const auto started = std::chrono::steady_clock::now();
  try {
    if (options.fake) {
      api::fake_migration(m.key(), alias, {.actor = operator_name()});
    } else {
      api::initiate_migration(m.key(), alias, {.backend = "inline", .actor = operator_name()});
    }
  } catch (const MigrationError& e) {
    ctx.out << "  FAILED   " << key << ": " << e.what() << "\n";
    ++tally.failed;
    return;
  }
  std::optional<MigrationRecord> after = api::get_record(m.key(), alias);
  const MigrationStatus now = after ? after->status() : MigrationStatus::kNotRun;
  status[key] = now;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (now == MigrationStatus::kApplied) {
    ctx.out << (options.fake ? "  FAKED    "
                : resuming   ? "  RESUMED  "
                             : "  OK       ")
            << key << absl::StrFormat(" (%.2f s)", seconds) << "\n";
    ++tally.applied;
  } else if (now == MigrationStatus::kRunning) {
    ctx.out << "  STARTED  " << key << " (its backend runs it in the background)\n";
    ++tally.in_background;
  } else if (now == MigrationStatus::kPaused || now == MigrationStatus::kCancelled) {
    // Stopped before the end (a signal, or an operator elsewhere): not applied.
    ctx.out << absl::StrFormat("  %-8s ", to_string(now)) << key << " "
            << stopped_text(*after, alias) << "\n";
    ++tally.failed;
  } else {
    ctx.out << "  FAILED   " << key << ": " << (after ? after->last_error : "record missing")
            << "\n";
    ++tally.failed;
  }
  ctx.out.flush();
}

// Runs (or fakes, or plans) every pending migration on one alias; one line per migration.
Tally migrate_alias(Context& ctx, const std::string& alias,
                    const std::vector<const Migration*>& migrations,
                    const MigrateOptions& options) {
  Tally tally;
  DatabaseRecords records = read_records(ctx, alias);
  if (records.error) {
    ctx.out << "  FAILED   cannot read the records: " << *records.error << "\n";
    ++tally.failed;
    return tally;
  }
  std::map<std::string, MigrationStatus> status;
  for (const auto& [key, record] : records.by_key) status[key] = record.status();
  for (const Migration* m : migrations) {
    if (!runs_on(*m, alias) || settled_by_record(ctx, *m, alias, records, tally)) continue;
    if (api::local_runs_stopped()) {
      // SIGTERM or SIGINT: nothing more is launched.
      ctx.out << "  STOPPED  " << m->key().str() << ": not run, as this command was asked to "
              << "stop\n";
      ++tally.failed;
      continue;
    }
    const std::string key = m->key().str();
    const bool resuming = records.status(m->key()) == MigrationStatus::kErrored;
    if (std::optional<std::string> waiting = unmet_dependency(*m, status)) {
      ctx.out << "  SKIPPED  " << key << ": needs " << *waiting << " applied first\n";
      ++tally.skipped;
      continue;
    }
    if (options.dry_run) {
      ctx.out << (options.fake ? "  WOULD FAKE "
                  : resuming   ? "  WOULD RESUME "
                               : "  WOULD RUN  ")
              << key << "\n";
      status[key] = MigrationStatus::kApplied;  // so that the plan continues past it
      ++tally.applied;
      continue;
    }
    launch(ctx, *m, alias, options, resuming, status, tally);
  }
  return tally;
}

}  // namespace

int migrate(Context& ctx, const MigrateOptions& options) {
  ProgressDisplay display(ctx.out, ctx.terminal);
  std::vector<std::string> aliases = selected_aliases(options.database);
  std::vector<const Migration*> migrations = selected_migrations(options.app);
  bool any_failed = false;
  std::vector<std::string> summaries;
  for (const std::string& alias : aliases) {
    ctx.out << "Database " << alias << (options.dry_run ? " (dry run)" : "") << ":\n";
    Tally t = migrate_alias(ctx, alias, migrations, options);
    any_failed |= t.failed > 0;
    // RUNNING: not failed, but not all applied either (runs elsewhere, or its process died:
    // `resume` continues a mapper).
    std::string summary = strings::cat(alias, ": ",
                                       t.failed > 0          ? "FAILED"
                                       : t.in_background > 0 ? "RUNNING"
                                                             : "OK",
                                       " - ");
    std::vector<std::string> parts;
    if (t.applied) {
      parts.push_back(strings::cat(t.applied, options.dry_run ? " to apply"
                                              : options.fake  ? " faked"
                                                              : " applied"));
    }
    if (t.failed) parts.push_back(strings::cat(t.failed, " failed"));
    if (t.skipped) parts.push_back(strings::cat(t.skipped, " skipped"));
    if (t.in_background) parts.push_back(strings::cat(t.in_background, " running"));
    parts.push_back(strings::cat(t.already, " already applied"));
    summary += absl::StrJoin(parts, ", ");
    summaries.push_back(summary);
    if (t.applied == 0 && t.failed == 0 && t.skipped == 0 && t.in_background == 0) {
      ctx.out << "  nothing to do\n";
    }
  }
  ctx.out << "\n";
  for (const std::string& summary : summaries) ctx.out << summary << "\n";
  return any_failed ? kFailed : kOk;
}

int migrate_all(Context& ctx, const std::vector<std::string>& args) {
  Args parsed(args, {"database", "app"}, {"dry-run", "fake"});
  parsed.expect_positional({});
  return migrate(ctx, {.database = parsed.option("database"),
                       .app = parsed.option("app"),
                       .dry_run = parsed.flag("dry-run"),
                       .fake = parsed.flag("fake")});
}

}  // namespace massmigration::cli::internal
