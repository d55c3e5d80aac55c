#include "sqlite_session.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <vector>

#include "chunk_sql.h"
#include "idle_pool.h"
#include "massmigration/errors.h"
#include "record_sql.h"
#include "string_building.h"

namespace massmigration::sqlite::internal {
namespace {

// Connections between sessions, by file: a mapper opens a session per chunk, and opening a
// connection (and checking the schema) per chunk would cost more than many chunks' work.
massmigration::internal::IdlePool<Connection>& pool() {
  static auto* p = new massmigration::internal::IdlePool<Connection>(4);  // used during exit too
  return *p;
}

std::unique_ptr<Connection> take_connection(const Location& location) {
  std::unique_ptr<Connection> connection =
      pool().take(location.path.string(), [](const Connection& c) { return !c.file_has_moved(); });
  if (connection) return connection;
  connection = std::make_unique<Connection>(location.path, /*create=*/true, location.busy_timeout);
  ensure_schema(*connection, location.busy_timeout);
  return connection;
}

// A migration's transaction on a connection of its own. BEGIN IMMEDIATE takes the write lock
// up front, so the transaction never has to upgrade (and deadlock) halfway through.
class SqliteSession : public RunSession {
 public:
  SqliteSession(std::string alias, const Location& location, bool durable)
      : alias_(std::move(alias)), path_(location.path.string()) {
    guarded("starting a transaction", [&] {
      connection_ = take_connection(location);
      // Set for every transaction, as pooled connections serve both kinds. In write-ahead-log
      // mode NORMAL skips the sync at commit, and a later FULL commit's sync covers the log
      // written before it; in other journal modes it could corrupt, so it is not used there.
      const bool lazy = !durable && connection_->in_wal_mode();
      connection_->exec(lazy ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
      connection_->exec("BEGIN IMMEDIATE");
      open_ = true;
      return 0;
    });
  }

  ~SqliteSession() override {
    if (open_) {
      try {
        connection_->exec("ROLLBACK");
      } catch (const SqliteFailure&) {
        return;  // in doubt: closing the connection rolls back whatever is left
      }
    }
    if (connection_ && sound_) pool().give_back(path_, std::move(connection_));
  }

  std::int64_t execute(std::string_view sql, std::span<const SqlValue> params) override {
    return guarded(strings::cat("running \"", sql, "\""), [&]() -> std::int64_t {
      std::string_view rest = sql;
      std::int64_t changed = 0;
      bool first = true;
      if (std::optional<Statement> statement = connection_->cached(sql)) {
        statement->bind_all(params);
        while (statement->step()) {
        }
        return static_cast<std::int64_t>(connection_->changes());
      }
      // Several statements may be given at once (a script) when there are no parameters.
      while (std::optional<Statement> statement = connection_->prepare_once(rest, &rest)) {
        if (first) {
          statement->bind_all(params);
        } else if (!params.empty()) {
          throw SqliteFailure(SQLITE_MISUSE, "parameters are bound to a single statement only");
        }
        first = false;
        while (statement->step()) {
        }
        changed = connection_->changes();
      }
      return changed;
    });
  }

  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params) override {
    std::vector<SqlRow> rows;
    query_each(sql, params, [&](std::span<SqlValue> row) {
      rows.emplace_back(std::make_move_iterator(row.begin()), std::make_move_iterator(row.end()));
    });
    return rows;
  }

  void query_each(std::string_view sql, std::span<const SqlValue> params,
                  const std::function<void(std::span<SqlValue>)>& each) override {
    guarded(strings::cat("running \"", sql, "\""), [&] {
      std::optional<Statement> statement = connection_->cached(sql);
      if (!statement) throw SqliteFailure(SQLITE_MISUSE, "a query is one statement");
      statement->bind_all(params);
      SqlRow row(statement->column_count());  // reused: no allocation per row
      while (statement->step()) {
        for (int c = 0; c < statement->column_count(); ++c) row[c] = statement->value(c);
        each(row);
      }
      return 0;
    });
  }

  bool insert_record_if_absent(const MigrationRecord& record) override {
    return guarded("creating the migration record", [&] {
      Statement s = connection_->statement(kInsertIfAbsent);
      bind_record(s, record);
      s.step();
      return connection_->changes() == 1;
    });
  }

  void replace_chunks(const MigrationKey& key, const std::vector<ChunkRange>& ranges) override {
    guarded("replacing the run's chunks", [&] {
      internal::replace_chunks(*connection_, key, ranges);
      return 0;
    });
  }

  std::optional<ClaimedChunk> claim_chunk(std::string_view worker, std::string_view claim,
                                          std::chrono::milliseconds lease) override {
    return guarded("claiming a chunk",
                   [&] { return internal::claim_chunk(*connection_, worker, claim, lease); });
  }

  std::optional<std::int64_t> complete_chunk(std::int64_t id, std::string_view claim,
                                             std::int64_t rows) override {
    return guarded("recording a chunk done",
                   [&] { return internal::complete_chunk(*connection_, id, claim, rows); });
  }

  std::optional<int> release_chunk(std::int64_t id, std::string_view claim,
                                   const std::optional<std::string>& error) override {
    return guarded("releasing a chunk",
                   [&] { return internal::release_chunk(*connection_, id, claim, error); });
  }

  bool extend_claim(std::int64_t id, std::string_view claim,
                    std::chrono::milliseconds lease) override {
    return guarded("extending a chunk's lease",
                   [&] { return internal::extend_claim(*connection_, id, claim, lease); });
  }

  std::int64_t unfinished_chunks(const MigrationKey& key) override {
    return guarded("counting a run's open chunks",
                   [&] { return internal::unfinished_chunks(*connection_, key); });
  }

  // SQLite cannot change a transaction's durability once it began: the commit is followed by
  // a checkpoint, which first syncs the write-ahead log (with what commits before wrote).
  void make_durable() override { sync_after_commit_ = true; }

  ChunkCounts count_chunks(const MigrationKey& key) override {
    return guarded("counting a run's chunks",
                   [&] { return internal::count_chunks(*connection_, key); });
  }

  bool replace_record_if(const MigrationRecord& record, std::string_view attempt_uuid,
                         MigrationStatus status) override {
    return guarded("updating the migration record", [&] {
      Statement s = connection_->statement(kReplaceIfAttempt);
      bind_record(s, record);
      bind_expected(s, attempt_uuid, status, internal::kRecordParams + 1);
      s.step();
      return connection_->changes() == 1;
    });
  }

  std::optional<RecordedChunk> advance_record(
      const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
      const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint)
      override {
    return guarded("recording progress", [&]() -> std::optional<RecordedChunk> {
      std::optional<std::string> current;
      RecordedChunk recorded{.status = MigrationStatus::kRunning};
      {
        Statement read = connection_->statement(kReadCheckpoint);
        read.bind(1, key.str()).bind(2, attempt_uuid);
        if (!read.step()) return std::nullopt;  // stale: deleted, replaced or stopped
        current = read.optional_text(0);
        recorded.status = status_after_chunk(read.text(1));
        recorded.tuning = {.chunk_size = read.optional_integer(2),
                           .pause_ms = read.optional_integer(3)};
        recorded.rows_done = read.integer(4) + rows;
        if (std::optional<std::int64_t> total = read.optional_integer(5)) {
          recorded.rows_total = std::max(*total, recorded.rows_done);
        }
      }
      Statement write = connection_->statement(kAdvance);
      write.bind(1, key.str())
          .bind(2, attempt_uuid)
          .bind(3, rows)
          .bind(4, next_checkpoint(current));
      write.step();
      if (connection_->changes() != 1) return std::nullopt;
      return recorded;
    });
  }

  void commit() override {
    guarded("committing", [&] {
      connection_->exec("COMMIT");
      open_ = false;
      if (sync_after_commit_ && connection_->in_wal_mode()) {
        connection_->exec("PRAGMA wal_checkpoint(PASSIVE)");
      }
      return 0;
    });
  }

  std::any native_handle() override { return connection_->handle(); }

 private:
  template <typename Fn>
  auto guarded(const std::string& doing, Fn fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const SqliteFailure& e) {
      sound_ = sound_ && e.connection_is_sound();
      throw DatabaseError(alias_, strings::cat(doing, " in ", path_, ": ", e.what()));
    }
  }

  const std::string alias_;
  const std::string path_;
  std::unique_ptr<Connection> connection_;
  bool open_ = false;
  bool sync_after_commit_ = false;  // make_durable()
  bool sound_ = true;               // may go back to the pool
};

}  // namespace

std::unique_ptr<RunSession> begin_session(const std::string& alias, const Location& location,
                                          bool durable) {
  return std::make_unique<SqliteSession>(alias, location, durable);
}

}  // namespace massmigration::sqlite::internal
