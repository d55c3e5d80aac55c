// Internal: what the console's buttons do, and when they may. Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_ACTIONS_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_ACTIONS_H_

#include <optional>
#include <string>
#include <string_view>

#include "massmigration/migration.h"

namespace massmigration::web::internal {

enum class Action { kRun, kResume, kPause, kCancel, kFake, kDelete };
inline constexpr Action kActions[] = {Action::kRun,    Action::kResume, Action::kPause,
                                      Action::kCancel, Action::kFake,   Action::kDelete};

std::string_view action_name(Action action);
std::optional<Action> parse_action(std::string_view name);

// Why `action` may not be taken where the migration shows `status` (a status name, or
// NOT_ALLOWED): a sentence for the page and the 422. Nullopt when it may. The API decides again
// when the action is taken, so a status that changed meanwhile is refused there.
std::optional<std::string> refusal(Action action, std::string_view status);

// Fake and delete are confirmed on a page of their own first.
bool needs_confirmation(Action action);
// What the action will do, for its confirmation page.
std::string consequence(Action action, const MigrationKey& key, std::string_view alias);

// Takes the action through the API (api.h), by `user` in the audit trail; returns what
// happened, for the page. A run or resume of a migration whose backend is "inline" goes to
// "threads" instead, so that the request does not wait for the run. Throws what the API throws.
std::string perform(Action action, const Migration& migration, const std::string& alias,
                    const std::string& user);

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_ACTIONS_H_
