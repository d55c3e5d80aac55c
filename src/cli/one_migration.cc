// run / resume / fake / delete: one migration on one database.
#include "context.h"
#include "massmigration/api.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "progress_display.h"
#include "string_building.h"

namespace massmigration::cli::internal {
namespace {

// Launches (or resumes) inline, showing a mapper's progress, and reports the outcome; a
// migration whose backend queues it for workers is queued, and the command returns.
int run_and_report(Context& ctx, const Target& target, bool resume) {
  bool queued = false;
  try {
    ProgressDisplay display(ctx.out, ctx.terminal);
    if (resume) {
      // A queued run is resumed for the workers whatever the backend named; any other here.
      api::resume_migration(target.key, target.alias,
                            {.backend = "inline", .actor = operator_name()});
    } else {
      queued = api::queues_for_workers(target.key);
      api::initiate_migration(
          target.key, target.alias,
          {.backend = queued ? std::nullopt : std::optional<std::string>("inline"),
           .actor = operator_name()});
    }
  } catch (const MigrationError& e) {
    ctx.err << ctx.program << ": " << e.what() << "\n";
    return kFailed;
  }
  std::optional<MigrationRecord> record = api::get_record(target.key, target.alias);
  // Inline, a run has ended when this returns: one still RUNNING waits for workers.
  if ((queued || resume) && record && record->status() == MigrationStatus::kRunning) {
    ctx.out << "QUEUED " << target.key.str() << " on " << target.alias
            << " for workers (`worker` processes run it)\n";
    return kOk;
  }
  if (record && record->status() == MigrationStatus::kApplied) {
    ctx.out << "OK " << target.key.str() << " on " << target.alias << "\n";
    return kOk;
  }
  if (record && record->status() == MigrationStatus::kRunning) {
    ctx.out << "STARTED " << target.key.str() << " on " << target.alias
            << " (its backend runs it in the background)\n";
    return kOk;
  }
  if (record && (record->status() == MigrationStatus::kPaused ||
                 record->status() == MigrationStatus::kCancelled)) {
    ctx.out << to_string(record->status()) << " " << target.key.str() << " on " << target.alias
            << " " << stopped_text(*record, target.alias) << "\n";
    return kFailed;
  }
  ctx.out << "FAILED " << target.key.str() << " on " << target.alias << ": "
          << (record ? record->last_error : "record missing") << "\n";
  return kFailed;
}

// What a forced delete overrides ("RUNNING, attempt ..."), or empty when nothing.
std::string overridden(const Target& target) {
  try {
    std::optional<MigrationRecord> record = api::get_record(target.key, target.alias);
    if (!record || (!record->is_live() && record->status() != MigrationStatus::kPaused)) {
      return {};
    }
    return strings::cat("it said ", to_string(record->status()), ", attempt ", record->attempt_uuid,
                        " started ", format_timestamp(record->initiated_at));
  } catch (const InvalidRecord& e) {
    return strings::cat("its row was invalid: ", e.problem());
  }
}

}  // namespace

int run_one(Context& ctx, const std::vector<std::string>& args) {
  return run_and_report(ctx, parse_target(args), /*resume=*/false);
}

int resume_one(Context& ctx, const std::vector<std::string>& args) {
  return run_and_report(ctx, parse_target(args), /*resume=*/true);
}

int fake_one(Context& ctx, const std::vector<std::string>& args) {
  Target target = parse_target(args);
  try {
    std::optional<MigrationRecord> before = api::get_record(target.key, target.alias);
    if (before && before->status() == MigrationStatus::kApplied) {
      ctx.out << "ALREADY APPLIED " << target.key.str() << " on " << target.alias
              << " (record kept)\n";
      return kOk;
    }
    api::fake_migration(target.key, target.alias, {.actor = operator_name()});
  } catch (const MigrationError& e) {
    ctx.err << ctx.program << ": " << e.what() << "\n";
    return kFailed;
  }
  ctx.out << "FAKED " << target.key.str() << " on " << target.alias << "\n";
  return kOk;
}

int delete_one(Context& ctx, const std::vector<std::string>& args) {
  Args parsed(args, {"database"}, {"force"});
  Target target = parse_target(parsed);
  const bool force = parsed.flag("force");
  try {
    const std::string forced_over = force ? overridden(target) : "";
    bool removed =
        api::delete_record(target.key, target.alias, {.force = force, .actor = operator_name()});
    ctx.out << (removed ? "DELETED the record of " : "NO RECORD to delete for ") << target.key.str()
            << " on " << target.alias;
    if (removed && !forced_over.empty()) {
      ctx.out << " (forced: " << forced_over
              << "; if that run still goes on, a fresh run redoes its work)";
    }
    ctx.out << "\n";
  } catch (const InvalidRecord& e) {
    ctx.err << ctx.program << ": " << e.what() << " (its record was kept; --force removes it once "
            << "no process runs it)\n";
    return kFailed;
  } catch (const MigrationError& e) {
    ctx.err << ctx.program << ": " << e.what() << "\n";
    return kFailed;
  }
  return kOk;
}

}  // namespace massmigration::cli::internal
