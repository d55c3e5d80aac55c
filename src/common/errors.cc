#include "massmigration/errors.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "string_building.h"

namespace massmigration {
namespace {

std::string list_or_none(const std::vector<std::string>& items) {
  return items.empty() ? "none" : absl::StrJoin(items, ", ");
}

std::string not_applied_message(const std::string& key, const std::vector<std::string>& missing,
                                const std::string& guarded, const std::string& cause) {
  std::string message = strings::cat("required migration ", key, " is not applied");
  if (!missing.empty()) strings::append(message, " on ", absl::StrJoin(missing, ", "));
  if (!guarded.empty()) strings::append(message, " (guarding ", guarded, ")");
  if (!cause.empty()) strings::append(message, ": ", cause);
  return message;
}

// Long registries would make the message unreadable; the accessor keeps the full list.
std::string known_keys_summary(const std::vector<std::string>& known) {
  constexpr size_t kShown = 20;
  if (known.empty()) {
    return "no migrations are registered (migrations in a static library are dropped by the "
           "linker unless it is linked whole)";
  }
  std::vector<std::string> shown(known.begin(), known.begin() + std::min(known.size(), kShown));
  std::string text = strings::cat("registered: ", absl::StrJoin(shown, ", "));
  if (known.size() > kShown) strings::append(text, ", and ", known.size() - kShown, " more");
  return text;
}

}  // namespace

RequiredMigrationNotApplied::RequiredMigrationNotApplied(std::string key,
                                                         std::vector<std::string> missing_aliases,
                                                         std::string guarded, std::string cause)
    : MigrationError(not_applied_message(key, missing_aliases, guarded, cause)),
      key_(std::move(key)),
      missing_aliases_(std::move(missing_aliases)),
      guarded_(std::move(guarded)),
      cause_(std::move(cause)) {}

MigrationAlreadyStarted::MigrationAlreadyStarted(std::string key, std::string alias,
                                                 std::string state)
    : MigrationError(strings::cat(
          "migration ", key, " was already started on ", alias, ": ",
          state.empty() ? std::string("another launch created its record first") : state)),
      key_(std::move(key)),
      alias_(std::move(alias)) {}

DependentMigrationNotApplied::DependentMigrationNotApplied(std::string key, std::string dependency,
                                                           std::string alias, std::string detail)
    : MigrationError(strings::cat(
          "migration ", key, " depends on ", dependency,
          detail.empty() ? ", which is not applied on " + alias : ", which " + detail)),
      key_(std::move(key)),
      dependency_(std::move(dependency)),
      alias_(std::move(alias)) {}

CannotRunOnDB::CannotRunOnDB(std::string key, std::string alias, std::vector<std::string> allowed)
    : MigrationError(strings::cat("migration ", key, " cannot run on database ", alias,
                                  " (it may run on: ", list_or_none(allowed), ")")),
      key_(std::move(key)),
      alias_(std::move(alias)),
      allowed_(std::move(allowed)) {}

DbAliasNotAllowed::DbAliasNotAllowed(std::string key, std::string alias,
                                     std::vector<std::string> allowed)
    : MigrationError(strings::cat(
          "guard for ", key, " requires database ", alias,
          ", where the migration does not run (it runs on: ", list_or_none(allowed), ")")),
      key_(std::move(key)),
      alias_(std::move(alias)),
      allowed_(std::move(allowed)) {}

UnknownMigration::UnknownMigration(std::string key, std::vector<std::string> known_keys)
    : MigrationError(strings::cat("unknown migration ", key, "; ", known_keys_summary(known_keys))),
      key_(std::move(key)),
      known_keys_(std::move(known_keys)) {}

InvalidMigrationKey::InvalidMigrationKey(std::string text, std::string reason)
    : MigrationError(text.starts_with("{")
                         ? strings::cat("invalid migration key ", text, ": ", reason)
                         : strings::cat("invalid migration key \"", text, "\": ", reason)),
      text_(std::move(text)),
      reason_(std::move(reason)) {}

UnknownDatabaseAlias::UnknownDatabaseAlias(std::string alias, std::vector<std::string> configured)
    : MigrationError(strings::cat("unknown database alias \"", alias,
                                  "\" (configured: ", list_or_none(configured), ")")),
      alias_(std::move(alias)) {}

ConfigError::ConfigError(std::string entry, std::string detail)
    : MigrationError(strings::cat("configuration error at ", entry, ": ", detail)),
      entry_(std::move(entry)),
      detail_(std::move(detail)) {}

BackendError::BackendError(std::string key, std::string backend, std::string detail)
    : MigrationError(
          strings::cat("cannot launch ", key, " on backend \"", backend, "\": ", detail)),
      key_(std::move(key)),
      backend_(std::move(backend)) {}

DatabaseError::DatabaseError(std::string alias, std::string detail, bool connection_lost)
    : MigrationError(strings::cat("database ", alias, ": ", detail)),
      alias_(std::move(alias)),
      detail_(std::move(detail)),
      connection_lost_(connection_lost) {}

RecordStoreError::RecordStoreError(std::string alias, std::string detail)
    : MigrationError(strings::cat("record store for database ", alias, ": ", detail)),
      alias_(std::move(alias)),
      detail_(std::move(detail)) {}

InvalidRecord::InvalidRecord(std::string alias, std::string stored_key, std::string problem)
    : RecordStoreError(std::move(alias),
                       strings::cat("the massmigration_record row with key \"",
                                    absl::CHexEscape(stored_key), "\" is invalid: ", problem)),
      stored_key_(std::move(stored_key)),
      problem_(std::move(problem)) {}

MigrationIsRunning::MigrationIsRunning(std::string key, std::string alias, std::string attempt_uuid,
                                       std::string state)
    : MigrationError(
          strings::cat("the record of migration ", key, " on ", alias, " was kept: ", state)),
      key_(std::move(key)),
      alias_(std::move(alias)),
      attempt_uuid_(std::move(attempt_uuid)) {}

ActionNotAllowed::ActionNotAllowed(std::string key, std::string alias, std::string action,
                                   std::string status, std::string state)
    : MigrationError(strings::cat("cannot ", action, " migration ", key, " on ", alias, ": it is ",
                                  status, state.empty() ? "" : "; ", state)),
      key_(std::move(key)),
      alias_(std::move(alias)),
      action_(std::move(action)),
      status_(std::move(status)) {}

}  // namespace massmigration
