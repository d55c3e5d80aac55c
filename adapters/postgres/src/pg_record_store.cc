#include <chrono>
#include <optional>
#include <pqxx/pqxx>
#include <system_error>

#include "massmigration/errors.h"
#include "massmigration/postgres.h"
#include "pg_connection_slots.h"
#include "pg_deadline_connection.h"
#include "pg_record_sql.h"
#include "pg_socket_alarm.h"
#include "pg_url_options.h"
#include "string_building.h"

namespace massmigration::postgres {
namespace {

using Clock = std::chrono::steady_clock;
using internal::DeadlineConnection;
using internal::Params;

// At most this many of a store's calls at once; more wait for a free connection (the guards'
// single flight keeps reads few).
constexpr int kConnectionsPerStore = 4;

// A connection of the store, with what has been done on it once.
struct StoreConnection {
  StoreConnection(const std::string& conninfo, Clock::time_point deadline)
      : connection(conninfo, deadline) {}
  DeadlineConnection connection;
  bool set_up = false;
  bool schema_ready = false;
};

// Every call ends by its deadline (record_timeout), on a connection of its own. Reads run
// outside transactions; writes in short ones. A connection is dropped after any failure that
// may have broken it, and an idle one the server closed (a restart) is not used again.
class PostgresRecordStore : public RecordStore {
 public:
  PostgresRecordStore(std::string alias, const std::string& url)
      : alias_(std::move(alias)),
        connection_string_(connection_string(url)),
        timeout_(internal::record_timeout(url)) {}

  // The whole row, validated: an invalid one must not let a guard through.
  bool is_applied(const MigrationKey& key) override {
    std::optional<MigrationRecord> record = select_record(key, "mm_get_without_clock");
    return record && record->status() == MigrationStatus::kApplied;
  }

  std::optional<MigrationRecord> get(const MigrationKey& key) override {
    return select_record(key, "mm_get");
  }

  RecordListing list() override {
    return read<RecordListing>("listing records", {}, [&](pqxx::connection_base& c) {
      pqxx::nontransaction tx(c);
      RecordListing listing;
      for (const pqxx::row& row : tx.exec_prepared("mm_list")) {
        try {
          listing.records.push_back(internal::read_record(row, alias_));
        } catch (const InvalidRecord& e) {
          listing.invalid.push_back(e);
        }
      }
      return listing;
    });
  }

  bool insert_if_absent(const MigrationRecord& record) override {
    return write("creating the record of " + record.key.str(), [&](pqxx::connection_base& c) {
      Params params;
      params.record(record);
      return run_prepared(c, "mm_insert_if_absent", params) == 1;
    });
  }

  bool replace_if(const MigrationRecord& record, std::string_view attempt_uuid,
                  MigrationStatus status) override {
    return write("updating the record of " + record.key.str(), [&](pqxx::connection_base& c) {
      Params params;
      params.record(record).expected(attempt_uuid, status);
      return run_prepared(c, "mm_replace_if", params) == 1;
    });
  }

  bool control_run(const MigrationKey& key, std::string_view attempt_uuid, MigrationStatus from,
                   MigrationStatus to, const RunTuning& tuning) override {
    return write("controlling the run of " + key.str(), [&](pqxx::connection_base& c) {
      Params params;
      params.text(key.str()).text(std::string(attempt_uuid));
      params.text(std::string(stored_run_status(from))).text(std::string(stored_run_status(to)));
      params.number(tuning.chunk_size).number(tuning.pause_ms);
      return run_prepared(c, "mm_control_run", params) == 1;
    });
  }

  bool heartbeat(const MigrationKey& key, std::string_view attempt_uuid) override {
    return write("writing the heartbeat of " + key.str(), [&](pqxx::connection_base& c) {
      Params params;
      params.text(key.str()).text(std::string(attempt_uuid));
      return run_prepared(c, "mm_heartbeat", params) == 1;
    });
  }

  bool remove(const MigrationKey& key) override {
    return write("deleting the record of " + key.str(), [&](pqxx::connection_base& c) {
      Params params;
      params.text(key.str());
      return run_prepared(c, "mm_remove", params) == 1;
    });
  }

  void record_event(const MigrationEvent& event) override {
    write("recording " + event.action + " of " + event.key.str(), [&](pqxx::connection_base& c) {
      Params params;
      params.text(event.key.str()).text(event.alias).text(event.attempt_uuid);
      params.text(event.action).text(event.actor).text(event.detail);
      run_prepared(c, "mm_append_event", params);
      return true;
    });
  }

  std::vector<MigrationEvent> events(const MigrationKey& key) override {
    return read<std::vector<MigrationEvent>>(
        "reading the audit trail of " + key.str(), {}, [&](pqxx::connection_base& c) {
          pqxx::nontransaction tx(c);
          std::vector<MigrationEvent> events;
          for (const pqxx::row& row : tx.exec_prepared("mm_events", key.str())) {
            events.push_back(
                {.key = key,
                 .alias = row[0].c_str(),
                 .attempt_uuid = row[1].c_str(),
                 .action = row[2].c_str(),
                 .actor = row[3].c_str(),
                 .at = parse_timestamp(internal::record_time(row[4].c_str())).value_or(Timestamp{}),
                 .detail = row[5].c_str()});
          }
          return events;
        });
  }

  bool remove_if(const MigrationKey& key, std::string_view attempt_uuid,
                 MigrationStatus status) override {
    return write("deleting the record of " + key.str(), [&](pqxx::connection_base& c) {
      Params params;
      params.text(key.str()).expected(attempt_uuid, status);
      return run_prepared(c, "mm_remove_if", params) == 1;
    });
  }

 private:
  // The record of `key`, selected by the prepared statement `statement` (mm_get or
  // mm_get_without_clock).
  std::optional<MigrationRecord> select_record(const MigrationKey& key, const char* statement) {
    return read<std::optional<MigrationRecord>>(
        "reading the record of " + key.str(), std::nullopt,
        [&](pqxx::connection_base& c) -> std::optional<MigrationRecord> {
          pqxx::nontransaction tx(c);
          pqxx::result r = tx.exec_prepared(statement, key.str());
          if (r.empty()) return std::nullopt;
          return internal::read_record(r[0], alias_);
        });
  }

  // Every write is one statement, its own transaction: one round trip rather than three
  // (BEGIN, the statement, COMMIT), and no lock on a record held between them, which a process
  // stopped there (SIGSTOP, a debugger) would keep from everyone who controls its run.
  static std::size_t run_prepared(pqxx::connection_base& c, const char* name, Params& params) {
    pqxx::nontransaction tx(c);
    return tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(params.pointers()))
        .affected_rows();
  }

  // Reads answer `nothing` while the table does not exist: nothing was ever recorded. A table
  // an older version created gets the columns it lacks (a write, once), and is read again.
  template <typename T, typename Fn>
  T read(const std::string& doing, T nothing, Fn fn) {
    return call(doing, [&](StoreConnection& c) -> T {
      try {
        return fn(c.connection);
      } catch (const pqxx::undefined_table&) {
        return nothing;
      } catch (const pqxx::undefined_column&) {
        internal::ensure_schema(c.connection);
        c.schema_ready = true;
      }
      return fn(c.connection);
    });
  }

  template <typename Fn>
  bool write(const std::string& doing, Fn fn) {
    return call(doing, [&](StoreConnection& c) {
      if (!c.schema_ready) {
        internal::ensure_schema(c.connection);
        c.schema_ready = true;
      }
      return fn(c.connection);
    });
  }

  // Runs `fn` on a connection by the call's deadline, or throws RecordStoreError.
  template <typename Fn>
  auto call(const std::string& doing, Fn fn) -> decltype(fn(std::declval<StoreConnection&>())) {
    const Clock::time_point deadline = Clock::now() + timeout_;
    auto lease = slots_.lease(
        deadline, [](const StoreConnection& c) { return internal::still_idle(c.connection); });
    if (!lease) {
      throw RecordStoreError(
          alias_, strings::cat(doing, ": no connection became free within the ",
                               internal::seconds_text(timeout_), " deadline (record_timeout; ",
                               slots_.limit(), " calls were waiting for the server)"));
    }
    std::optional<internal::SocketAlarm> alarm;
    try {
      if (!lease->connection) {
        lease->connection = std::make_unique<StoreConnection>(connection_string_, deadline);
      }
      alarm.emplace(lease->connection->connection.sock(), deadline);
      set_up(*lease->connection);
      auto result = fn(*lease->connection);
      if (alarm->disarm()) lease->connection.reset();  // answered, but its socket is shut
      return result;
    } catch (const pqxx::sql_error& e) {
      // The server answered with an error. The connection is still good unless the alarm shut
      // its socket meanwhile or the server said it is going away.
      const bool alarm_rang = alarm && alarm->disarm();
      if (alarm_rang || internal::ends_the_session(e.sqlstate())) lease->connection.reset();
      throw RecordStoreError(
          alias_, strings::cat(doing, ": ", trimmed(e.what()), " (SQLSTATE ", e.sqlstate(), ")"));
    } catch (const pqxx::failure& e) {
      lease->connection.reset();  // broken or in doubt
      if (Clock::now() >= deadline) throw RecordStoreError(alias_, timed_out(doing));
      throw RecordStoreError(alias_, strings::cat(doing, ": ", trimmed(e.what())));
    } catch (const std::system_error& e) {
      lease->connection.reset();  // not watched: not used
      throw RecordStoreError(alias_,
                             strings::cat(doing, ": cannot watch the connection: ", e.what()));
    }
  }

  std::string timed_out(const std::string& doing) const {
    return strings::cat(doing, ": the server did not answer within the ",
                        internal::seconds_text(timeout_),
                        " deadline (record_timeout in the URL); is it overloaded or hung?");
  }

  void set_up(StoreConnection& c) const {
    if (c.set_up) return;
    // A guard must refuse within its deadline, and name the cause when it waits behind a lock
    // someone holds on the record table (an ALTER, a LOCK TABLE): give up on a lock first.
    pqxx::nontransaction(c.connection)
        .exec(strings::cat("SET lock_timeout = ", lock_timeout().count(), "; ",
                           internal::kSessionSettings));
    c.connection.prepare("mm_get", internal::kGet);
    c.connection.prepare("mm_get_without_clock", internal::kGetWithoutClock);
    c.connection.prepare("mm_list", internal::kList);
    c.connection.prepare("mm_insert_if_absent", internal::kInsertIfAbsent);
    c.connection.prepare("mm_replace_if", internal::kReplaceIf);
    c.connection.prepare("mm_remove", internal::kRemove);
    c.connection.prepare("mm_remove_if", internal::kRemoveIf);
    c.connection.prepare("mm_heartbeat", internal::kHeartbeat);
    c.connection.prepare("mm_control_run", internal::kControlRun);
    c.connection.prepare("mm_append_event", internal::kAppendEvent);
    c.connection.prepare("mm_events", internal::kEvents);
    c.set_up = true;
  }

  // A second before the deadline (half of a deadline under 2 s).
  std::chrono::milliseconds lock_timeout() const {
    using std::chrono::milliseconds;
    return timeout_ >= milliseconds(2000) ? timeout_ - milliseconds(1000) : timeout_ / 2;
  }

  static std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  const std::string alias_;
  const std::string connection_string_;
  const std::chrono::milliseconds timeout_;
  internal::ConnectionSlots<StoreConnection> slots_{kConnectionsPerStore};
};

}  // namespace

std::unique_ptr<RecordStore> open_record_store(const std::string& alias, const std::string& url) {
  return std::make_unique<PostgresRecordStore>(alias, url);
}

}  // namespace massmigration::postgres
