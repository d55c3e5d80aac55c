// finish_migration: the deploy step that returns only once a migration is applied.
#include <algorithm>

#include "lifecycle/launch.h"
#include "massmigration/api.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "model/installation.h"
#include "records/transitions.h"
#include "runners/local_stop.h"
#include "string_building.h"

namespace massmigration::api {
namespace {

using Clock = std::chrono::steady_clock;

// How often a run elsewhere is looked at while waiting for it.
constexpr std::chrono::milliseconds kWaitStep{1000};

[[noreturn]] void ended_otherwise(const MigrationKey& key, std::string_view alias,
                                  MigrationStatus status, const MigrationRecord* record,
                                  std::string_view why) {
  std::string text = strings::cat("migration ", key.str(), " on ", alias, " is not applied: ", why,
                                  ", and it ended ", to_string(status));
  if (record && record->has_error) strings::append(text, " (", record->last_error, ")");
  if (internal::local_stop_requested()) strings::append(text, "; this process was asked to stop");
  throw MigrationError(text);
}

}  // namespace

void finish_migration(const MigrationKey& key, std::string_view alias,
                      const FinishOptions& options) {
  get_migration(key);
  const std::chrono::milliseconds lease = internal::require_installation()->config().run_lease;
  const Clock::time_point deadline =
      options.timeout ? Clock::now() + *options.timeout : Clock::time_point::max();
  bool ran = false;  // this call launched or resumed a run, which must not be tried again
  for (;;) {
    std::optional<MigrationRecord> record = get_record(key, alias);
    const MigrationStatus status = internal::status_of(record, lease);
    switch (status) {
      case MigrationStatus::kApplied:
        return;
      case MigrationStatus::kNotRun:
      case MigrationStatus::kErrored:
      case MigrationStatus::kStalled:
      case MigrationStatus::kPaused:
        if (ran) ended_otherwise(key, alias, status, record ? &*record : nullptr, "it was run");
        if (internal::local_stop_requested()) {
          ended_otherwise(key, alias, status, record ? &*record : nullptr, "it was not run");
        }
        try {
          if (status == MigrationStatus::kNotRun) {
            internal::launch(key, alias, "inline", options.actor);
          } else {
            internal::resume(key, alias, "inline", options.actor);
          }
          ran = true;
        } catch (const MigrationAlreadyStarted&) {
          // Another process launched or resumed it first: wait for that run instead.
        }
        break;
      case MigrationStatus::kRunning:
      case MigrationStatus::kPausing: {
        if (options.on_wait) options.on_wait(*record);
        const Clock::time_point now = Clock::now();
        if (now >= deadline) {
          throw MigrationError(strings::cat(
              "migration ", key.str(), " on ", alias, " is still ", to_string(status), " after ",
              std::chrono::duration_cast<std::chrono::seconds>(*options.timeout).count(),
              " s (--timeout): ", internal::state_hint(*record, alias, lease)));
        }
        const auto step = std::min<Clock::duration>(kWaitStep, deadline - now);
        if (internal::wait_unless_stopped(
                std::chrono::duration_cast<std::chrono::milliseconds>(step))) {
          ended_otherwise(key, alias, status, &*record, "waiting for its run stopped");
        }
        break;
      }
      case MigrationStatus::kCancelling:
      case MigrationStatus::kCancelled:
      case MigrationStatus::kUnknown:
        throw ActionNotAllowed(key.str(), std::string(alias), "finish",
                               std::string(to_string(status)),
                               internal::state_hint(*record, alias, lease));
    }
  }
}

}  // namespace massmigration::api
