#include "console/actions.h"

#include <algorithm>
#include <initializer_list>

#include "massmigration/api.h"
#include "massmigration/config.h"
#include "massmigration/record.h"
#include "string_building.h"

namespace massmigration::web::internal {
namespace {

constexpr std::string_view kNames[] = {"run", "resume", "pause", "cancel", "fake", "delete"};

bool one_of(std::string_view status, std::initializer_list<MigrationStatus> allowed) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](MigrationStatus s) { return to_string(s) == status; });
}

// The backend a console launch uses: the migration's own or the configured default, but
// never "inline", which would hold the request until the run ends.
api::LaunchOptions launch_options(const Migration& migration, const std::string& user) {
  api::LaunchOptions options;
  options.actor = user;
  const std::string backend = migration.backend().value_or(current_config().default_backend);
  if (backend == "inline" && migration.type() != MigrationType::kCustom) {
    options.backend = "threads";
  }
  return options;
}

}  // namespace

std::string_view action_name(Action action) { return kNames[static_cast<int>(action)]; }

std::optional<Action> parse_action(std::string_view name) {
  for (Action action : kActions) {
    if (action_name(action) == name) return action;
  }
  return std::nullopt;
}

std::optional<std::string> refusal(Action action, std::string_view status) {
  using S = MigrationStatus;
  bool allowed = false;
  std::string_view needs;
  switch (action) {
    case Action::kRun:
      allowed = one_of(status, {S::kNotRun});
      needs = "NOT_RUN";
      break;
    case Action::kResume:
      allowed = one_of(status, {S::kPaused, S::kErrored, S::kStalled});
      needs = "PAUSED, ERRORED or STALLED";
      break;
    case Action::kPause:
      allowed = one_of(status, {S::kRunning, S::kStalled});
      needs = "RUNNING or STALLED";
      break;
    case Action::kCancel:
      allowed = one_of(status, {S::kRunning, S::kPausing, S::kPaused, S::kStalled});
      needs = "RUNNING, PAUSING, PAUSED or STALLED";
      break;
    case Action::kFake:
      allowed = one_of(status, {S::kNotRun, S::kErrored, S::kCancelled});
      needs = "NOT_RUN, ERRORED or CANCELLED";
      break;
    case Action::kDelete:
      allowed = one_of(status, {S::kApplied, S::kErrored, S::kCancelled});
      needs = "APPLIED, ERRORED or CANCELLED";
      break;
  }
  if (allowed) return std::nullopt;
  return strings::cat(action_name(action), " needs the status ", needs, "; it is ", status);
}

bool needs_confirmation(Action action) {
  return action == Action::kFake || action == Action::kDelete;
}

std::string consequence(Action action, const MigrationKey& key, std::string_view alias) {
  if (action == Action::kFake) {
    return strings::cat("Fake records ", key.str(), " as APPLIED on ", alias,
                        " without running it. Guards then let code that needs it run, on data "
                        "it never changed.");
  }
  return strings::cat("Delete removes the record of ", key.str(), " on ", alias,
                      ": its status becomes NOT_RUN and a new run starts from the beginning. "
                      "Guards refuse code that needs it until it is applied again.");
}

std::string perform(Action action, const Migration& migration, const std::string& alias,
                    const std::string& user) {
  const MigrationKey& key = migration.key();
  const std::string where = strings::cat(key.str(), " on ", alias);
  switch (action) {
    case Action::kRun:
      api::initiate_migration(key, alias, launch_options(migration, user));
      return strings::cat("Launched ", where, ".");
    case Action::kResume:
      api::resume_migration(key, alias, launch_options(migration, user));
      return strings::cat("Resumed ", where, ".");
    case Action::kPause:
      return strings::cat(where, " is ",
                          to_string(api::pause_migration(key, alias, {.actor = user})), ".");
    case Action::kCancel:
      return strings::cat(where, " is ",
                          to_string(api::cancel_migration(key, alias, {.actor = user})), ".");
    case Action::kFake:
      api::fake_migration(key, alias, {.actor = user});
      return strings::cat("Faked ", where, ": it is APPLIED.");
    case Action::kDelete:
      api::delete_record(key, alias, {.actor = user});
      return strings::cat("Deleted the record of ", where, ": it is NOT_RUN.");
  }
  return {};
}

}  // namespace massmigration::web::internal
