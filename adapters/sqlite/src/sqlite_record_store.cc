#include <time.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "file_access.h"
#include "massmigration/errors.h"
#include "massmigration/sqlite.h"
#include "mutex.h"
#include "record_sql.h"
#include "sqlite_connection.h"
#include "string_building.h"

namespace massmigration::sqlite {
namespace {

using internal::bind_expected;
using internal::bind_record;
using internal::Connection;
using internal::kAppendEvent;
using internal::kControlRun;
using internal::kEvents;
using internal::kGet;
using internal::kGuardRead;
using internal::kHeartbeat;
using internal::kInsertIfAbsent;
using internal::kList;
using internal::kRemove;
using internal::kRemoveIf;
using internal::kReplaceIfAttempt;
using internal::read_record;
using internal::SqliteFailure;
using internal::Statement;

// The monotonic clock as the kernel last ticked it (every few milliseconds), where there is one.
std::chrono::nanoseconds coarse_now() {
#ifdef CLOCK_MONOTONIC_COARSE
  timespec now{};
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == 0) {
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
  }
#endif
  return std::chrono::steady_clock::now().time_since_epoch();
}

// What a call does, named in its error message. The words are put together only for an error:
// building them for every call cost a guard's cold check 3%.
struct Doing {
  std::string_view action;            // "reading the record of"
  const MigrationKey* key = nullptr;  // the migration it is done to, if one
  std::string str() const {
    return key ? strings::cat(action, " ", key->str()) : std::string(action);
  }
};

// One connection per store, used under a lock: the guards' single flight already keeps reads
// few, and SQLite serialises writers per file anyway.
class SqliteRecordStore : public RecordStore {
 public:
  SqliteRecordStore(std::string alias, Location location)
      : alias_(std::move(alias)), location_(std::move(location)) {}

  // The whole row, validated: an invalid one must not let a guard through.
  bool is_applied(const MigrationKey& key) override {
    std::optional<MigrationRecord> record = select_record(key, kGuardRead);
    return record && record->status() == MigrationStatus::kApplied;
  }

  std::optional<MigrationRecord> get(const MigrationKey& key) override {
    return select_record(key, kGet);
  }

  RecordListing list() override {
    return read<RecordListing>({"listing records"}, {}, [&](Connection& c) {
      RecordListing listing;
      Statement s = c.statement(kList);
      while (s.step()) {
        try {
          listing.records.push_back(read_record(s, alias_));
        } catch (const InvalidRecord& e) {
          listing.invalid.push_back(e);
        }
      }
      return listing;
    });
  }

  bool insert_if_absent(const MigrationRecord& record) override {
    return write({"creating the record of", &record.key}, [&](Connection& c) {
      Statement s = c.statement(kInsertIfAbsent);
      bind_record(s, record);
      s.step();
      return c.changes() == 1;
    });
  }

  bool replace_if(const MigrationRecord& record, std::string_view attempt_uuid,
                  MigrationStatus status) override {
    return write({"updating the record of", &record.key}, [&](Connection& c) {
      Statement s = c.statement(kReplaceIfAttempt);
      bind_record(s, record);
      bind_expected(s, attempt_uuid, status, internal::kRecordParams + 1);
      s.step();
      return c.changes() == 1;
    });
  }

  bool control_run(const MigrationKey& key, std::string_view attempt_uuid, MigrationStatus from,
                   MigrationStatus to, const RunTuning& tuning) override {
    return write({"controlling the run of", &key}, [&](Connection& c) {
      Statement s = c.statement(kControlRun);
      s.bind(1, key.str())
          .bind(2, attempt_uuid)
          .bind(3, stored_run_status(from))
          .bind(4, stored_run_status(to))
          .bind(5, tuning.chunk_size)
          .bind(6, tuning.pause_ms);
      s.step();
      return c.changes() == 1;
    });
  }

  bool heartbeat(const MigrationKey& key, std::string_view attempt_uuid) override {
    return write({"writing the heartbeat of", &key}, [&](Connection& c) {
      Statement s = c.statement(kHeartbeat);
      s.bind(1, key.str()).bind(2, attempt_uuid);
      s.step();
      return c.changes() == 1;
    });
  }

  bool remove(const MigrationKey& key) override {
    return write({"deleting the record of", &key}, [&](Connection& c) {
      Statement s = c.statement(kRemove);
      s.bind(1, key.str());
      s.step();
      return c.changes() == 1;
    });
  }

  void record_event(const MigrationEvent& event) override {
    const std::string action = strings::cat("recording ", event.action, " of");
    write({action, &event.key}, [&](Connection& c) {
      Statement s = c.statement(kAppendEvent);
      s.bind(1, event.key.str())
          .bind(2, event.alias)
          .bind(3, event.attempt_uuid)
          .bind(4, event.action)
          .bind(5, event.actor)
          .bind(6, event.detail);
      s.step();
      return true;
    });
  }

  std::vector<MigrationEvent> events(const MigrationKey& key) override {
    return read<std::vector<MigrationEvent>>(
        {"reading the audit trail of", &key}, {}, [&](Connection& c) {
          std::vector<MigrationEvent> events;
          Statement s = c.statement(kEvents);
          s.bind(1, key.str());
          while (s.step()) {
            const std::string at = s.text(4);
            events.push_back({.key = key,
                              .alias = s.text(0),
                              .attempt_uuid = s.text(1),
                              .action = s.text(2),
                              .actor = s.text(3),
                              .at = parse_timestamp(at).value_or(Timestamp{}),
                              .detail = s.text(5)});
          }
          return events;
        });
  }

  bool remove_if(const MigrationKey& key, std::string_view attempt_uuid,
                 MigrationStatus status) override {
    return write({"deleting the record of", &key}, [&](Connection& c) {
      Statement s = c.statement(kRemoveIf);
      s.bind(1, key.str());
      bind_expected(s, attempt_uuid, status, 2);
      s.step();
      return c.changes() == 1;
    });
  }

 private:
  // The record of `key`, selected by `sql` (kGet or kGuardRead).
  std::optional<MigrationRecord> select_record(const MigrationKey& key, const char* sql) {
    const std::string key_text = key.str();
    return read<std::optional<MigrationRecord>>(
        {"reading the record of", &key}, std::nullopt,
        [&](Connection& c) -> std::optional<MigrationRecord> {
          Statement s = c.statement(sql);
          s.bind_borrowed(1, key_text);
          if (!s.step()) return std::nullopt;
          return read_record(s, alias_);
        });
  }

  // Reads answer `nothing` while the file or its table does not exist yet: nothing was ever
  // recorded (the first write creates both). A missing directory, though, is an error: the
  // store could never write there, so the path is wrong or a volume is missing.
  template <typename T, typename Fn>
  T read(const Doing& doing, T nothing, Fn fn) {
    MutexLock lock(&mu_);
    drop_if_file_moved();
    if (!connection_ && !std::filesystem::exists(location_.path)) {
      if (!std::filesystem::is_directory(location_.path.parent_path())) {
        throw RecordStoreError(alias_,
                               strings::cat(doing.str(), " in ", location_.path.string(), ": ",
                                            internal::file_access_problem(location_.path)
                                                .value_or("its directory does not exist")));
      }
      return nothing;
    }
    return run(doing, /*create=*/false, [&](Connection& connection) -> T {
      try {
        return fn(connection);
      } catch (const SqliteFailure& e) {
        if (e.is_missing_table()) return nothing;
        if (!e.is_missing_column()) throw;
      }
      // A table an older version created: add the columns it lacks (a write, once) and read
      // again.
      internal::ensure_schema(connection, location_.busy_timeout);
      return fn(connection);
    });
  }

  template <typename Fn>
  bool write(const Doing& doing, Fn fn) {
    MutexLock lock(&mu_);
    drop_if_file_moved();
    return run(doing, /*create=*/true, [&](Connection& connection) { return fn(connection); });
  }

  template <typename Fn>
  auto run(const Doing& doing, bool create, Fn fn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    try {
      if (!connection_ || (create && !may_create_)) {
        connection_.reset();
        schema_ready_ = false;
        connection_ = std::make_unique<Connection>(location_.path, create, location_.busy_timeout);
        may_create_ = create;
      }
      // Writers create the table first. `fn` is handed the connection rather than reading
      // connection_: the thread-safety analysis does not know a lambda runs under mu_.
      if (create) ensure_schema();
      return fn(*connection_);
    } catch (const SqliteFailure& e) {
      // A broken connection (file replaced, corrupt, unreadable) is dropped so the next call
      // opens afresh; a busy one is kept.
      if (!e.connection_is_sound()) {
        connection_.reset();
        schema_ready_ = false;
      }
      throw RecordStoreError(
          alias_, strings::cat(doing.str(), " in ", location_.path.string(), ": ", e.what()));
    }
  }

  // A restored or remounted file is a different database: read the one at the path now. The
  // check costs a stat(), as much as a cached read itself, so it runs now and then, timed by the
  // coarse clock: reading the precise one cost a guard's read 1%, for a second's interval.
  void drop_if_file_moved() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!connection_) return;
    const auto now = coarse_now();
    if (now - last_moved_check_ < location_.replaced_file_check) return;
    last_moved_check_ = now;
    if (connection_->file_has_moved()) connection_.reset();
  }

  void ensure_schema() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (schema_ready_) return;
    internal::ensure_schema(*connection_, location_.busy_timeout);
    schema_ready_ = true;
  }

  const std::string alias_;
  const Location location_;
  Mutex mu_;
  std::unique_ptr<Connection> connection_ ABSL_GUARDED_BY(mu_);
  bool may_create_ ABSL_GUARDED_BY(mu_) = false;
  bool schema_ready_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::nanoseconds last_moved_check_ ABSL_GUARDED_BY(mu_){};
};

}  // namespace

std::unique_ptr<RecordStore> open_record_store(const std::string& alias, const Location& location) {
  return std::make_unique<SqliteRecordStore>(alias, location);
}

}  // namespace massmigration::sqlite
