// The exceptions massmigration throws when a database, a record, the configuration or a
// migration fails. Every one derives from MigrationError, itself a std::runtime_error, and its
// what() names the key, database alias or configuration entry at fault. The accessors return
// the same facts for programs that act on them.
//
// A mistake in the calling code itself (a column a mapper's query did not read, an SQL
// parameter above INT64_MAX) throws a std::logic_error instead, as the standard library does,
// so that catching MigrationError never hides a bug.
#ifndef MASSMIGRATION_ERRORS_H_
#define MASSMIGRATION_ERRORS_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace massmigration {

class MigrationError : public std::runtime_error {
 public:
  explicit MigrationError(const std::string& message) : std::runtime_error(message) {}
};

// A guard refused: the migration is not applied on every required alias, or the record
// store could not say (then cause() says why, and the guard fails closed).
class RequiredMigrationNotApplied : public MigrationError {
 public:
  RequiredMigrationNotApplied(std::string key, std::vector<std::string> missing_aliases,
                              std::string guarded, std::string cause);
  const std::string& key() const { return key_; }
  // The aliases not known to be applied, in configuration order. When a store could not
  // answer, the list ends with its alias: the aliases after it were not asked (cause() names
  // them), so that a refusal waits for at most one store.
  const std::vector<std::string>& missing_aliases() const { return missing_aliases_; }
  // What the guard protects ("list_products", "handler at shop.cc:42"); may be empty.
  const std::string& guarded() const { return guarded_; }
  // Why the store could not answer; empty when it answered "not applied".
  const std::string& cause() const { return cause_; }

 private:
  std::string key_;
  std::vector<std::string> missing_aliases_;
  std::string guarded_;
  std::string cause_;
};

// A launch found a record already there: another launch won the race, or the migration
// ran before. The message says what the record shows and what to do.
class MigrationAlreadyStarted : public MigrationError {
 public:
  // `state` says what the record shows and what to do ("it is applied; ..."); optional.
  MigrationAlreadyStarted(std::string key, std::string alias, std::string state = "");
  const std::string& key() const { return key_; }
  const std::string& alias() const { return alias_; }

 private:
  std::string key_;
  std::string alias_;
};

// A launch found a dependency that is not applied on the same alias (or not registered).
class DependentMigrationNotApplied : public MigrationError {
 public:
  DependentMigrationNotApplied(std::string key, std::string dependency, std::string alias,
                               std::string detail = "");
  const std::string& key() const { return key_; }
  const std::string& dependency() const { return dependency_; }
  const std::string& alias() const { return alias_; }

 private:
  std::string key_;
  std::string dependency_;
  std::string alias_;
};

// The migration may not run on this alias (allowed_db_aliases or routing exclude it).
class CannotRunOnDB : public MigrationError {
 public:
  CannotRunOnDB(std::string key, std::string alias, std::vector<std::string> allowed);
  const std::string& key() const { return key_; }
  const std::string& alias() const { return alias_; }
  const std::vector<std::string>& allowed() const { return allowed_; }

 private:
  std::string key_;
  std::string alias_;
  std::vector<std::string> allowed_;
};

// A guard's db_aliases names an alias the migration does not run on.
class DbAliasNotAllowed : public MigrationError {
 public:
  DbAliasNotAllowed(std::string key, std::string alias, std::vector<std::string> allowed);
  const std::string& key() const { return key_; }
  const std::string& alias() const { return alias_; }
  const std::vector<std::string>& allowed() const { return allowed_; }

 private:
  std::string key_;
  std::string alias_;
  std::vector<std::string> allowed_;
};

// No migration is registered under the key; what() lists the registered keys.
class UnknownMigration : public MigrationError {
 public:
  UnknownMigration(std::string key, std::vector<std::string> known_keys);
  const std::string& key() const { return key_; }
  const std::vector<std::string>& known_keys() const { return known_keys_; }

 private:
  std::string key_;
  std::vector<std::string> known_keys_;
};

// The text is not a well-formed key.
class InvalidMigrationKey : public MigrationError {
 public:
  InvalidMigrationKey(std::string text, std::string reason);
  const std::string& text() const { return text_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string text_;
  std::string reason_;
};

// A database alias that is not configured.
class UnknownDatabaseAlias : public MigrationError {
 public:
  UnknownDatabaseAlias(std::string alias, std::vector<std::string> configured);
  const std::string& alias() const { return alias_; }

 private:
  std::string alias_;
};

// Bad configuration. entry() names where: "massmigration.toml:4 [routing] blog",
// "databases.shop_db", "registry: shop:0002_x (shop.cc:12)".
class ConfigError : public MigrationError {
 public:
  ConfigError(std::string entry, std::string detail);
  const std::string& entry() const { return entry_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string entry_;
  std::string detail_;
};

// A launch the backend cannot take: the backend is not registered, or a custom migration names
// a method the backend does not have. Nothing is recorded.
class BackendError : public MigrationError {
 public:
  BackendError(std::string key, std::string backend, std::string detail);
  const std::string& key() const { return key_; }
  const std::string& backend() const { return backend_; }

 private:
  std::string key_;
  std::string backend_;
};

// A statement a migration ran on its database failed (no such table, a constraint, a lost
// connection). The driver's own message is kept in detail().
class DatabaseError : public MigrationError {
 public:
  DatabaseError(std::string alias, std::string detail, bool connection_lost = false);
  const std::string& alias() const { return alias_; }
  const std::string& detail() const { return detail_; }
  // The connection failed, not the statement (the server restarted, went away or ended the
  // session): the same work may succeed on a new connection.
  bool connection_lost() const { return connection_lost_; }

 private:
  std::string alias_;
  std::string detail_;
  bool connection_lost_;
};

// A statement sent with OperationContext::send failed. It is raised by the first call that
// waits for it: a later execute or query, a later send once many are in flight,
// wait_for_sent, or the commit; so it may surface in a later mapper row's call. sent_index()
// says which send failed, counting a transaction's sends from 0. (A transaction destroyed
// before anything waited rolls back without reporting it.)
class SentStatementError : public DatabaseError {
 public:
  SentStatementError(std::string alias, std::string detail, std::uint64_t sent_index)
      : DatabaseError(std::move(alias), std::move(detail)), sent_index_(sent_index) {}
  std::uint64_t sent_index() const { return sent_index_; }

 private:
  std::uint64_t sent_index_;
};

// A record store could not answer or could not write (database down, file unreadable,
// locked past the timeout). The driver's own message is kept in detail().
class RecordStoreError : public MigrationError {
 public:
  RecordStoreError(std::string alias, std::string detail);
  const std::string& alias() const { return alias_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string alias_;
  std::string detail_;
};

// A row of massmigration_record that no massmigration write leaves behind (is_applied 7,
// applied and errored at once, more rows done than in total, an unreadable time, a key that
// is not a migration key). Stores report it rather than guess: the migration's status on that
// database is UNKNOWN, and guards refuse.
class InvalidRecord : public RecordStoreError {
 public:
  InvalidRecord(std::string alias, std::string stored_key, std::string problem);
  // The row's key column as stored; it may not be a valid migration key.
  const std::string& stored_key() const { return stored_key_; }
  // What is wrong with the row ("is_applied holds \"7\", not 0 or 1").
  const std::string& problem() const { return problem_; }

 private:
  std::string stored_key_;
  std::string problem_;
};

// delete_record refused to delete the record of a run that may still be going on: a fresh
// run would then redo the work the first one is still doing. The message names the attempt,
// when and by whom it was started, and says to wait, or to resume it if its process died.
class MigrationIsRunning : public MigrationError {
 public:
  MigrationIsRunning(std::string key, std::string alias, std::string attempt_uuid,
                     std::string state);
  const std::string& key() const { return key_; }
  const std::string& alias() const { return alias_; }
  const std::string& attempt_uuid() const { return attempt_uuid_; }

 private:
  std::string key_;
  std::string alias_;
  std::string attempt_uuid_;
};

// A run control action (pause, cancel, resume, tune, fake, delete) that the record's status
// does not allow: pausing an applied migration, resuming a cancelled attempt. The message
// names the action, what the record shows and what to do; nothing was changed.
class ActionNotAllowed : public MigrationError {
 public:
  ActionNotAllowed(std::string key, std::string alias, std::string action, std::string status,
                   std::string state);
  const std::string& key() const { return key_; }
  const std::string& alias() const { return alias_; }
  const std::string& action() const { return action_; }
  // The status the record showed: "NOT_RUN", "APPLIED", ...
  const std::string& status() const { return status_; }

 private:
  std::string key_;
  std::string alias_;
  std::string action_;
  std::string status_;
};

}  // namespace massmigration

#endif  // MASSMIGRATION_ERRORS_H_
