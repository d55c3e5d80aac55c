#include <filesystem>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "massmigration/errors.h"
#include "massmigration/sqlite.h"
#include "mutex.h"
#include "sqlite_connection.h"
#include "string_building.h"

namespace massmigration::sqlite {
namespace {

using internal::Connection;
using internal::SqliteFailure;
using internal::Statement;

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_record (
  key TEXT PRIMARY KEY NOT NULL,
  app_label TEXT NOT NULL,
  name TEXT NOT NULL,
  attempt_uuid TEXT NOT NULL,
  initiated_at TEXT NOT NULL,
  is_applied INTEGER NOT NULL DEFAULT 0,
  applied_at TEXT,
  has_error INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  was_faked INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_total INTEGER,
  checkpoint TEXT
))sql";

constexpr const char* kColumns =
    "key, app_label, name, attempt_uuid, initiated_at, is_applied, applied_at, has_error, "
    "last_error, was_faked, rows_done, rows_total, checkpoint";

constexpr const char* kIsApplied = "SELECT is_applied FROM massmigration_record WHERE key = ?1";
constexpr const char* kGet =
    "SELECT key, app_label, name, attempt_uuid, initiated_at, is_applied, applied_at, has_error, "
    "last_error, was_faked, rows_done, rows_total, checkpoint FROM massmigration_record "
    "WHERE key = ?1";
constexpr const char* kList =
    "SELECT key, app_label, name, attempt_uuid, initiated_at, is_applied, applied_at, has_error, "
    "last_error, was_faked, rows_done, rows_total, checkpoint FROM massmigration_record "
    "ORDER BY key";
constexpr const char* kInsertIfAbsent =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT(key) DO NOTHING";
constexpr const char* kReplaceIfAttempt =
    "UPDATE massmigration_record SET app_label = ?2, name = ?3, attempt_uuid = ?4, "
    "initiated_at = ?5, is_applied = ?6, applied_at = ?7, has_error = ?8, last_error = ?9, "
    "was_faked = ?10, rows_done = ?11, rows_total = ?12, checkpoint = ?13 "
    "WHERE key = ?1 AND attempt_uuid = ?14";
constexpr const char* kUpsert =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT(key) DO UPDATE "
    "SET app_label = excluded.app_label, name = excluded.name, "
    "attempt_uuid = excluded.attempt_uuid, initiated_at = excluded.initiated_at, "
    "is_applied = excluded.is_applied, applied_at = excluded.applied_at, "
    "has_error = excluded.has_error, last_error = excluded.last_error, "
    "was_faked = excluded.was_faked, rows_done = excluded.rows_done, "
    "rows_total = excluded.rows_total, checkpoint = excluded.checkpoint";
constexpr const char* kRemove = "DELETE FROM massmigration_record WHERE key = ?1";

void bind_record(Statement& s, const MigrationRecord& r) {
  s.bind(1, r.key.str())
      .bind(2, r.app_label())
      .bind(3, r.name())
      .bind(4, r.attempt_uuid)
      .bind(5, format_timestamp(r.initiated_at))
      .bind(6, std::int64_t{r.is_applied});
  if (r.applied_at) {
    s.bind(7, format_timestamp(*r.applied_at));
  } else {
    s.bind(7, std::nullopt);
  }
  s.bind(8, std::int64_t{r.has_error}).bind(9, r.last_error).bind(10, std::int64_t{r.was_faked});
  s.bind(11, r.rows_done);
  if (r.rows_total) {
    s.bind(12, *r.rows_total);
  } else {
    s.bind(12, std::nullopt);
  }
  if (r.checkpoint) {
    s.bind(13, *r.checkpoint);
  } else {
    s.bind(13, std::nullopt);
  }
}

Timestamp read_timestamp(const std::string& text, std::string_view column) {
  if (std::optional<Timestamp> t = parse_timestamp(text)) return *t;
  throw SqliteFailure(
      0, strings::cat("massmigration_record.", column, " holds \"", text, "\", not a timestamp"));
}

MigrationRecord read_record(const Statement& s) {
  MigrationRecord r{.key = MigrationKey(s.text(0))};
  r.attempt_uuid = s.text(3);
  r.initiated_at = read_timestamp(s.text(4), "initiated_at");
  r.is_applied = s.integer(5) != 0;
  if (auto applied_at = s.optional_text(6))
    r.applied_at = read_timestamp(*applied_at, "applied_at");
  r.has_error = s.integer(7) != 0;
  r.last_error = s.text(8);
  r.was_faked = s.integer(9) != 0;
  r.rows_done = s.integer(10);
  r.rows_total = s.optional_integer(11);
  r.checkpoint = s.optional_text(12);
  return r;
}

// One connection per store, used under a lock: the guards' single flight already keeps reads
// few, and SQLite serialises writers per file anyway.
class SqliteRecordStore : public RecordStore {
 public:
  SqliteRecordStore(std::string alias, Location location)
      : alias_(std::move(alias)), location_(std::move(location)) {}

  // A missing file is an error here (guards report it as the cause of their refusal: a wrong
  // path or a missing volume must be visible), but reads as "no records" for get and list.
  bool is_applied(const MigrationKey& key) override {
    return read<bool>("reading the record of " + key.str(), false, kMissingFileIsAnError,
                      [&](Connection& c) {
                        Statement s = c.statement(kIsApplied);
                        s.bind(1, key.str());
                        return s.step() && s.integer(0) != 0;
                      });
  }

  std::optional<MigrationRecord> get(const MigrationKey& key) override {
    return read<std::optional<MigrationRecord>>(
        "reading the record of " + key.str(), std::nullopt, kMissingFileIsEmpty,
        [&](Connection& c) -> std::optional<MigrationRecord> {
          Statement s = c.statement(kGet);
          s.bind(1, key.str());
          if (!s.step()) return std::nullopt;
          return read_record(s);
        });
  }

  std::vector<MigrationRecord> list() override {
    return read<std::vector<MigrationRecord>>("listing records", {}, kMissingFileIsEmpty,
                                              [&](Connection& c) {
                                                std::vector<MigrationRecord> records;
                                                Statement s = c.statement(kList);
                                                while (s.step()) records.push_back(read_record(s));
                                                return records;
                                              });
  }

  bool insert_if_absent(const MigrationRecord& record) override {
    return write("creating the record of " + record.key.str(), [&](Connection& c) {
      Statement s = c.statement(kInsertIfAbsent);
      bind_record(s, record);
      s.step();
      return c.changes() == 1;
    });
  }

  bool replace_if_attempt(const MigrationRecord& record, std::string_view attempt_uuid) override {
    return write("updating the record of " + record.key.str(), [&](Connection& c) {
      Statement s = c.statement(kReplaceIfAttempt);
      bind_record(s, record);
      s.bind(14, attempt_uuid);
      s.step();
      return c.changes() == 1;
    });
  }

  void upsert(const MigrationRecord& record) override {
    write("writing the record of " + record.key.str(), [&](Connection& c) {
      Statement s = c.statement(kUpsert);
      bind_record(s, record);
      s.step();
      return true;
    });
  }

  bool remove(const MigrationKey& key) override {
    return write("deleting the record of " + key.str(), [&](Connection& c) {
      Statement s = c.statement(kRemove);
      s.bind(1, key.str());
      s.step();
      return c.changes() == 1;
    });
  }

 private:
  enum MissingFile { kMissingFileIsAnError, kMissingFileIsEmpty };

  // Reads answer `nothing` while the table does not exist yet: nothing was ever recorded.
  template <typename T, typename Fn>
  T read(const std::string& doing, T nothing, MissingFile missing_file, Fn fn) {
    MutexLock lock(&mu_);
    if (missing_file == kMissingFileIsEmpty && !connection_ &&
        !std::filesystem::exists(location_.path)) {
      return nothing;
    }
    return run(doing, /*create=*/false, [&]() -> T {
      try {
        return fn(*connection_);
      } catch (const SqliteFailure& e) {
        if (e.is_missing_table()) return nothing;
        throw;
      }
    });
  }

  template <typename Fn>
  bool write(const std::string& doing, Fn fn) {
    MutexLock lock(&mu_);
    return run(doing, /*create=*/true, [&] {
      ensure_schema();
      return fn(*connection_);
    });
  }

  template <typename Fn>
  auto run(const std::string& doing, bool create, Fn fn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    try {
      if (!connection_ || (create && !may_create_)) {
        connection_.reset();
        schema_ready_ = false;
        connection_ = std::make_unique<Connection>(location_.path, create, location_.busy_timeout);
        may_create_ = create;
      }
      return fn();
    } catch (const SqliteFailure& e) {
      // A broken connection (file replaced, corrupt, unreadable) is dropped so the next call
      // opens afresh; a busy one is kept.
      if (!e.connection_is_sound()) {
        connection_.reset();
        schema_ready_ = false;
      }
      throw RecordStoreError(alias_,
                             strings::cat(doing, " in ", location_.path.string(), ": ", e.what()));
    }
  }

  void ensure_schema() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (schema_ready_) return;
    // Setting WAL needs a moment of exclusive access, which a burst of first writers from
    // several processes may deny each other past the busy handler; retry until the timeout.
    const absl::Time deadline = absl::Now() + absl::FromChrono(location_.busy_timeout);
    for (;;) {
      try {
        connection_->exec("PRAGMA journal_mode=WAL");
        connection_->exec(kCreateTable);
        break;
      } catch (const SqliteFailure& e) {
        if (!e.connection_is_sound() || absl::Now() >= deadline) throw;
        absl::SleepFor(absl::Milliseconds(1));
      }
    }
    schema_ready_ = true;
  }

  const std::string alias_;
  const Location location_;
  Mutex mu_;
  std::unique_ptr<Connection> connection_ ABSL_GUARDED_BY(mu_);
  bool may_create_ ABSL_GUARDED_BY(mu_) = false;
  bool schema_ready_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

std::unique_ptr<RecordStore> open_record_store(const std::string& alias, const Location& location) {
  return std::make_unique<SqliteRecordStore>(alias, location);
}

}  // namespace massmigration::sqlite
