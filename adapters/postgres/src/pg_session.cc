#include "pg_session.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <variant>
#include <vector>

#include "idle_pool.h"
#include "massmigration/errors.h"
#include "massmigration/postgres.h"
#include "pg_chunk_sql.h"
#include "pg_deadline_connection.h"
#include "pg_pipeline.h"
#include "pg_record_sql.h"
#include "string_building.h"

namespace massmigration::postgres::internal {
namespace {

// PostgreSQL type OIDs (pg_type.h) that map to SqlValue numbers.
constexpr pqxx::oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701;

SqlValue optional_value(const std::optional<std::string>& text) {
  return text ? SqlValue(*text) : SqlValue(nullptr);
}

SqlValue value(const pqxx::field& field, pqxx::oid type) {
  if (field.is_null()) return nullptr;
  switch (type) {
    case kBool:
      return std::int64_t{field.as<bool>()};
    case kInt2:
    case kInt4:
    case kInt8:
      return field.as<std::int64_t>();
    case kFloat4:
    case kFloat8:
      return field.as<double>();
    default:
      return std::string(field.c_str(), field.size());
  }
}

Params params_of(std::span<const SqlValue> values) {
  Params params;
  for (const SqlValue& v : values) {
    std::visit(
        [&](const auto& x) {
          using V = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<V, std::nullptr_t>) {
            params.null();
          } else if constexpr (std::is_same_v<V, std::string>) {
            params.text(x);
          } else {
            params.text(pqxx::to_string(x));
          }
        },
        v);
  }
  return params;
}

// A connection kept between sessions, with the statements prepared on it. Chunk sessions (not
// `durable`) have connections of their own, whose settings are made once for every chunk,
// rather than a round trip per chunk: commits that need not wait for the disk, and the idle
// limit of end_if_idle_for.
struct PooledConnection {
  PooledConnection(const std::string& url, bool durable) : connection(connection_string(url)) {
    ensure_schema(connection);
    // The server's log is written in order, so a later durable commit waits for these too.
    // (libpqxx sets what set_variable set again on a connection it restores.)
    if (!durable) connection.set_variable("synchronous_commit", "off");
  }
  pqxx::connection connection;
  std::map<std::string, std::string, std::less<>> prepared;  // SQL -> statement name
  PipelineStatements pipelined;  // prepared by StatementPipeline, beside libpqxx's
  // idle_in_transaction_session_timeout (ms) as a committed SET left it, if any did.
  std::optional<std::int64_t> idle_limit_ms;
};

// libpqxx 6.4 has no public way to a transaction's libpq connection, which pipelining needs;
// it gives one to large objects, and so to their subclasses.
struct RawConnection : pqxx::largeobject {
  using pqxx::largeobject::raw_connection;
};

// Connections between sessions, by URL: a mapper opens a session per chunk, and connecting
// per chunk would cost more than many chunks' work.
massmigration::internal::IdlePool<PooledConnection>& pool() {
  static auto* p = new massmigration::internal::IdlePool<PooledConnection>(8);  // exit too
  return *p;
}

// Where in the pool the connections for `url` of durable or chunk sessions are.
std::string pool_key(const std::string& url, bool durable) {
  return durable ? url : url + "\n(chunk sessions)";
}

std::unique_ptr<PooledConnection> take_connection(const std::string& url, bool durable) {
  // One the server closed (a restart) would fail its first statement: it is dropped.
  std::unique_ptr<PooledConnection> pooled = pool().take(
      pool_key(url, durable), [](const PooledConnection& c) { return still_idle(c.connection); });
  return pooled ? std::move(pooled) : std::make_unique<PooledConnection>(url, durable);
}

// A chunk claimed by a statement that returned, from column `first` on, the chunk's id, key,
// after and upto keys, failures and attempt.
ClaimedChunk claimed_chunk(const pqxx::row& row, pqxx::row::size_type first,
                           std::string_view claim) {
  auto text = [&](pqxx::row::size_type column) -> std::optional<std::string> {
    if (row[first + column].is_null()) return std::nullopt;
    return std::string(row[first + column].c_str());
  };
  return ClaimedChunk{.id = row[first].as<std::int64_t>(),
                      .key = MigrationKey(row[first + 1].c_str()),
                      .attempt_uuid = text(5).value_or(""),
                      .range = {.after = text(2), .upto = text(3)},
                      .claim = std::string(claim),
                      .failures = row[first + 4].as<int>()};
}

// A migration's transaction on a connection of its own.
class PostgresSession : public RunSession {
 public:
  PostgresSession(std::string alias, const std::string& url, bool durable)
      : alias_(std::move(alias)), url_(url), durable_(durable) {
    guarded("starting a transaction", [&] {
      pooled_ = take_connection(url_, durable_);
      try {
        work_ = std::make_unique<pqxx::work>(pooled_->connection);
      } catch (const pqxx::broken_connection&) {
        // An idle connection the server dropped (a restart): connect afresh, once.
        pooled_ = std::make_unique<PooledConnection>(url_, durable_);
        work_ = std::make_unique<pqxx::work>(pooled_->connection);
      }
      return 0;
    });
  }

  ~PostgresSession() override {
    // Statements still in flight are waited for, so that the connection is idle again and
    // the rollback below can run.
    if (pipeline_ && !pipeline_->idle() && pipeline_->wait()) sound_ = false;
    // pqxx::work rolls back an uncommitted transaction when destroyed, and never throws.
    work_.reset();
    if (pooled_ && sound_) pool().give_back(pool_key(url_, durable_), std::move(pooled_));
  }

  std::int64_t execute(std::string_view sql, std::span<const SqlValue> values) override {
    wait_for_sent();
    return guarded(strings::cat("running \"", sql, "\""),
                   [&] { return static_cast<std::int64_t>(run(sql, values).affected_rows()); });
  }

  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> values) override {
    wait_for_sent();
    return guarded(strings::cat("running \"", sql, "\""), [&] {
      pqxx::result result = run(sql, values);
      std::vector<SqlRow> rows;
      for (const pqxx::row& r : result) {
        SqlRow row;
        for (pqxx::row::size_type c = 0; c < r.size(); ++c) {
          row.push_back(value(r[c], result.column_type(c)));
        }
        rows.push_back(std::move(row));
      }
      return rows;
    });
  }

  bool insert_record_if_absent(const MigrationRecord& record) override {
    wait_for_sent();
    return guarded("creating the migration record", [&] {
      Params params;
      params.record(record);
      return work_
                 ->exec_params(kInsertIfAbsent,
                               pqxx::prepare::make_dynamic_params(params.pointers()))
                 .affected_rows() == 1;
    });
  }

  void replace_chunks(const MigrationKey& key, const std::vector<ChunkRange>& ranges) override {
    wait_for_sent();
    guarded("replacing the run's chunks", [&] {
      run(kDeleteChunks, std::array<SqlValue, 1>{key.str()});
      return 0;
    });
    // Pipelined: a round trip for them all, not one a chunk.
    for (const ChunkRange& range : ranges) {
      send(kInsertChunk, std::array<SqlValue, 3>{key.str(), optional_value(range.after),
                                                 optional_value(range.upto)});
    }
    wait_for_sent();
  }

  std::optional<ClaimedChunk> claim_chunk(std::string_view worker, std::string_view claim,
                                          std::chrono::milliseconds lease) override {
    wait_for_sent();
    return guarded("claiming a chunk", [&]() -> std::optional<ClaimedChunk> {
      const std::array<SqlValue, 3> values{std::string(claim), std::string(worker),
                                           static_cast<std::int64_t>(lease.count())};
      pqxx::result claimed = run(kClaimChunk, values);
      if (claimed.empty()) return std::nullopt;
      return claimed_chunk(claimed[0], 0, claim);
    });
  }

  std::optional<CompletedChunk> complete_and_claim_next(std::int64_t id, std::string_view claim,
                                                        std::int64_t rows,
                                                        const NextClaim& next) override {
    wait_for_sent();
    return guarded("recording a chunk done", [&]() -> std::optional<CompletedChunk> {
      const std::array<SqlValue, 6> values{
          id,         std::string(claim), rows,
          next.claim, next.worker,        static_cast<std::int64_t>(next.lease.count())};
      const pqxx::result completed = run(kCompleteChunkClaimNext, values);
      if (completed.empty()) return std::nullopt;
      const pqxx::row row = completed[0];
      CompletedChunk done{.others_open = row[0].as<std::int64_t>()};
      if (!row[1].is_null()) done.next = claimed_chunk(row, 1, next.claim);
      return done;
    });
  }

  std::optional<std::int64_t> complete_chunk(std::int64_t id, std::string_view claim,
                                             std::int64_t rows) override {
    wait_for_sent();
    return guarded("recording a chunk done", [&]() -> std::optional<std::int64_t> {
      const pqxx::result others =
          run(kCompleteChunk, std::array<SqlValue, 3>{id, std::string(claim), rows});
      if (others.empty()) return std::nullopt;
      return others[0][0].as<std::int64_t>();
    });
  }

  std::optional<int> release_chunk(std::int64_t id, std::string_view claim,
                                   const std::optional<std::string>& error) override {
    wait_for_sent();
    return guarded("releasing a chunk", [&]() -> std::optional<int> {
      pqxx::result released = run(
          kReleaseChunk, std::array<SqlValue, 3>{id, std::string(claim), optional_value(error)});
      if (released.empty()) return std::nullopt;
      return released[0][0].as<int>();
    });
  }

  bool extend_claim(std::int64_t id, std::string_view claim,
                    std::chrono::milliseconds lease) override {
    wait_for_sent();
    return guarded("extending a chunk's lease", [&] {
      const std::array<SqlValue, 3> values{id, std::string(claim),
                                           static_cast<std::int64_t>(lease.count())};
      return run(kExtendClaim, values).affected_rows() == 1;
    });
  }

  std::int64_t unfinished_chunks(const MigrationKey& key) override {
    wait_for_sent();
    return guarded("counting a run's open chunks", [&] {
      return run(kUnfinishedChunks, std::array<SqlValue, 1>{key.str()})[0][0].as<std::int64_t>();
    });
  }

  void make_durable() override {
    wait_for_sent();
    guarded("making the commit durable",
            [&] { return work_->exec("SET LOCAL synchronous_commit TO on").affected_rows(); });
  }

  void end_if_idle_for(std::chrono::milliseconds idle) override {
    wait_for_sent();
    const std::int64_t ms = std::max<std::int64_t>(idle.count(), 1);
    // A chunk connection keeps the limit once this transaction commits (see commit()); another
    // sets it for this transaction only.
    if (!durable_ && pooled_->idle_limit_ms == ms) return;
    guarded("limiting the session's idle time", [&] {
      if (durable_) {
        work_->exec(strings::cat("SET LOCAL idle_in_transaction_session_timeout = ", ms));
      } else {
        work_->set_variable("idle_in_transaction_session_timeout", std::to_string(ms));
      }
      return 0;
    });
    if (!durable_) idle_limit_ms_set_ = ms;
  }

  ChunkCounts count_chunks(const MigrationKey& key) override {
    wait_for_sent();
    return guarded("counting a run's chunks", [&] {
      const pqxx::row counts = run(kCountChunks, std::array<SqlValue, 1>{key.str()})[0];
      return ChunkCounts{.total = counts[0].as<std::int64_t>(),
                         .unfinished = counts[1].as<std::int64_t>(),
                         .in_flight = counts[2].as<std::int64_t>()};
    });
  }

  bool replace_record_if(const MigrationRecord& record, std::string_view attempt_uuid,
                         MigrationStatus status) override {
    wait_for_sent();
    return guarded("updating the migration record", [&] {
      Params params;
      params.record(record).expected(attempt_uuid, status);
      return work_->exec_params(kReplaceIf, pqxx::prepare::make_dynamic_params(params.pointers()))
                 .affected_rows() == 1;
    });
  }

  std::optional<RecordedChunk> advance_record(
      const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
      const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint)
      override {
    wait_for_sent();
    return guarded("recording progress", [&]() -> std::optional<RecordedChunk> {
      // Prepared, as they run once a chunk.
      const std::array<SqlValue, 2> which{key.str(), std::string(attempt_uuid)};
      pqxx::result current = run(internal::kReadCheckpoint, which);
      if (current.empty()) return std::nullopt;  // stale: deleted, replaced or stopped
      const pqxx::row row = current[0];
      std::optional<std::string> checkpoint;
      if (!row[0].is_null()) checkpoint = std::string(row[0].c_str());
      RecordedChunk recorded{.status = status_after_chunk(row[1].c_str())};
      if (!row[2].is_null()) recorded.tuning.chunk_size = row[2].as<std::int64_t>();
      if (!row[3].is_null()) recorded.tuning.pause_ms = row[3].as<std::int64_t>();
      recorded.rows_done = row[4].as<std::int64_t>() + rows;
      if (!row[5].is_null()) {
        recorded.rows_total = std::max(row[5].as<std::int64_t>(), recorded.rows_done);
      }
      const std::array<SqlValue, 4> update{which[0], which[1], rows, next_checkpoint(checkpoint)};
      // Rows that arrived after the count raise the total: rows_done never exceeds it.
      if (run(internal::kAdvance, update).affected_rows() != 1) return std::nullopt;
      return recorded;
    });
  }

  void send(std::string_view sql, std::span<const SqlValue> values) override {
    if (!pipeline_) {
      pipeline_.emplace(RawConnection::raw_connection(*work_), pooled_->pipelined);
    }
    Params params = params_of(values);
    raise(pipeline_->send(sql, params.pointers()));
  }

  void wait_for_sent() override {
    if (pipeline_ && !pipeline_->idle()) raise(pipeline_->wait());
  }

  void commit() override {
    wait_for_sent();
    guarded("committing", [&] {
      work_->commit();
      return 0;
    });
    // A SET without LOCAL lasts past a commit, and only then.
    if (idle_limit_ms_set_) pooled_->idle_limit_ms = idle_limit_ms_set_;
  }

  std::any native_handle() override {
    wait_for_sent();
    return static_cast<pqxx::work*>(work_.get());
  }

 private:
  pqxx::result run(std::string_view sql, std::span<const SqlValue> values) {
    // Without parameters, several statements may run at once (a script).
    if (values.empty()) return work_->exec(std::string(sql));
    // With them, one statement, prepared once per connection.
    auto it = pooled_->prepared.find(sql);
    if (it == pooled_->prepared.end()) {
      std::string name = "mm_user_" + std::to_string(pooled_->prepared.size());
      pooled_->connection.prepare(name, std::string(sql));
      it = pooled_->prepared.emplace(std::string(sql), std::move(name)).first;
    }
    Params params = params_of(values);
    return work_->exec_prepared(it->second, pqxx::prepare::make_dynamic_params(params.pointers()));
  }

  void raise(std::optional<PipelineFailure> failure) {
    if (!failure) return;
    // What a failed pipeline leaves prepared is uncertain: the connection is not reused.
    sound_ = false;
    if (failure->connection_lost) {
      throw DatabaseError(alias_, "waiting for sent statements: " + failure->message);
    }
    std::string detail = strings::cat("running \"", failure->sql, "\": ", failure->message);
    if (!failure->sqlstate.empty()) strings::append(detail, " (SQLSTATE ", failure->sqlstate, ")");
    throw SentStatementError(alias_, std::move(detail), failure->sent_index);
  }

  // Errors of the connection rather than the statement: class 08 (connection exception),
  // 57P01-57P03 (the server shutting down or starting) and 25P03 (the server ended a session
  // idle in its transaction).
  static bool ends_the_session(const std::string& sqlstate) {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
           sqlstate == "57P03" || sqlstate == "25P03";
  }

  template <typename Fn>
  auto guarded(const std::string& doing, Fn fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const pqxx::sql_error& e) {
      // No SQLSTATE: libpq's own error, the connection's (a commit whose server went away).
      const bool lost = e.sqlstate().empty() || ends_the_session(e.sqlstate()) ||
                        (pooled_ && !pooled_->connection.is_open());
      if (lost) sound_ = false;
      throw DatabaseError(
          alias_, strings::cat(doing, ": ", e.what(), " (SQLSTATE ", e.sqlstate(), ")"), lost);
    } catch (const pqxx::failure& e) {
      sound_ = false;  // broken or in doubt: this connection does not go back to the pool
      // libpqxx's words for it ("Could not obtain client encoding") do not say what happened.
      if (pooled_ && !pooled_->connection.is_open()) {
        throw DatabaseError(alias_,
                            strings::cat(doing,
                                         ": the connection to the server was lost (did "
                                         "the server restart or crash?): ",
                                         e.what()),
                            /*connection_lost=*/true);
      }
      throw DatabaseError(alias_, strings::cat(doing, ": ", e.what()), /*connection_lost=*/true);
    }
  }

  const std::string alias_;
  const std::string url_;
  const bool durable_;
  std::optional<std::int64_t> idle_limit_ms_set_;  // by end_if_idle_for, on a chunk connection
  std::unique_ptr<PooledConnection> pooled_;
  std::unique_ptr<pqxx::work> work_;
  std::optional<StatementPipeline> pipeline_;  // once something is sent
  bool sound_ = true;
};

}  // namespace

std::unique_ptr<RunSession> begin_session(const std::string& alias, const std::string& url,
                                          bool durable) {
  return std::make_unique<PostgresSession>(alias, url, durable);
}

}  // namespace massmigration::postgres::internal
