#include "console/actions.h"

#include <algorithm>
#include <span>
#include <vector>

#include "absl/strings/str_join.h"
#include "massmigration/api.h"
#include "massmigration/config.h"
#include "massmigration/record.h"
#include "string_building.h"

namespace massmigration::web::internal {
namespace {

constexpr std::string_view kNames[] = {"run", "resume", "pause", "cancel", "fake", "delete"};

// The statuses each action is offered from, in Action's order. The API refuses the others
// too; the console says so before asking it.
using S = MigrationStatus;
constexpr S kRunFrom[] = {S::kNotRun};
constexpr S kResumeFrom[] = {S::kPaused, S::kErrored, S::kStalled};
constexpr S kPauseFrom[] = {S::kRunning, S::kStalled};
constexpr S kCancelFrom[] = {S::kRunning, S::kPausing, S::kPaused, S::kStalled};
constexpr S kFakeFrom[] = {S::kNotRun, S::kErrored, S::kCancelled};
constexpr S kDeleteFrom[] = {S::kApplied, S::kErrored, S::kCancelled};
constexpr std::span<const S> kAllowedFrom[] = {kRunFrom,    kResumeFrom, kPauseFrom,
                                               kCancelFrom, kFakeFrom,   kDeleteFrom};

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
  const std::span<const MigrationStatus> allowed = kAllowedFrom[static_cast<int>(action)];
  if (std::any_of(allowed.begin(), allowed.end(),
                  [&](MigrationStatus s) { return to_string(s) == status; })) {
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (MigrationStatus s : allowed) names.emplace_back(to_string(s));
  const std::string needs =
      names.size() == 1
          ? names[0]
          : strings::cat(absl::StrJoin(names.begin(), names.end() - 1, ", "), " or ", names.back());
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
