#include <pqxx/pqxx>

#include "absl/base/thread_annotations.h"
#include "massmigration/errors.h"
#include "massmigration/postgres.h"
#include "mutex.h"
#include "pg_record_sql.h"
#include "string_building.h"

namespace massmigration::postgres {
namespace {

using internal::Params;

// One connection per store, under a lock (the guards' single flight keeps reads few). Reads
// run outside transactions; writes in short ones. The connection is dropped after any failure
// that may have broken it and reopened on the next call.
class PostgresRecordStore : public RecordStore {
 public:
  PostgresRecordStore(std::string alias, std::string url)
      : alias_(std::move(alias)), connection_string_(connection_string(url)) {}

  // The whole row, validated: an invalid one must not let a guard through.
  bool is_applied(const MigrationKey& key) override {
    std::optional<MigrationRecord> record = get(key);
    return record && record->status() == MigrationStatus::kApplied;
  }

  std::optional<MigrationRecord> get(const MigrationKey& key) override {
    return read<std::optional<MigrationRecord>>(
        "reading the record of " + key.str(), std::nullopt,
        [&](pqxx::connection& c) -> std::optional<MigrationRecord> {
          pqxx::nontransaction tx(c);
          pqxx::result r = tx.exec_prepared("mm_get", key.str());
          if (r.empty()) return std::nullopt;
          return internal::read_record(r[0], alias_);
        });
  }

  RecordListing list() override {
    return read<RecordListing>("listing records", {}, [&](pqxx::connection& c) {
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
    return write("creating the record of " + record.key.str(), [&](pqxx::connection& c) {
      Params params;
      params.record(record);
      return run_prepared(c, "mm_insert_if_absent", params) == 1;
    });
  }

  bool replace_if(const MigrationRecord& record, std::string_view attempt_uuid,
                  MigrationStatus status) override {
    return write("updating the record of " + record.key.str(), [&](pqxx::connection& c) {
      Params params;
      params.record(record).expected(attempt_uuid, status);
      return run_prepared(c, "mm_replace_if", params) == 1;
    });
  }

  void upsert(const MigrationRecord& record) override {
    write("writing the record of " + record.key.str(), [&](pqxx::connection& c) {
      Params params;
      params.record(record);
      run_prepared(c, "mm_upsert", params);
      return true;
    });
  }

  bool remove(const MigrationKey& key) override {
    return write("deleting the record of " + key.str(), [&](pqxx::connection& c) {
      Params params;
      params.text(key.str());
      return run_prepared(c, "mm_remove", params) == 1;
    });
  }

  bool remove_if(const MigrationKey& key, std::string_view attempt_uuid,
                 MigrationStatus status) override {
    return write("deleting the record of " + key.str(), [&](pqxx::connection& c) {
      Params params;
      params.text(key.str()).expected(attempt_uuid, status);
      return run_prepared(c, "mm_remove_if", params) == 1;
    });
  }

 private:
  static std::size_t run_prepared(pqxx::connection& c, const char* name, Params& params) {
    pqxx::work tx(c);
    pqxx::result r = tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(params.pointers()));
    tx.commit();
    return r.affected_rows();
  }

  // Reads answer `nothing` while the table does not exist: nothing was ever recorded.
  template <typename T, typename Fn>
  T read(const std::string& doing, T nothing, Fn fn) {
    MutexLock lock(&mu_);
    return run(doing, [&]() -> T {
      try {
        return fn(connection());
      } catch (const pqxx::undefined_table&) {
        return nothing;
      }
    });
  }

  template <typename Fn>
  bool write(const std::string& doing, Fn fn) {
    MutexLock lock(&mu_);
    return run(doing, [&] {
      pqxx::connection& c = connection();
      if (!schema_ready_) {
        internal::ensure_schema(c);
        schema_ready_ = true;
      }
      return fn(c);
    });
  }

  template <typename Fn>
  auto run(const std::string& doing, Fn fn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    try {
      return fn();
    } catch (const pqxx::sql_error& e) {
      // The server answered with an error: the connection itself is fine.
      throw RecordStoreError(
          alias_, strings::cat(doing, ": ", trimmed(e.what()), " (SQLSTATE ", e.sqlstate(), ")"));
    } catch (const pqxx::failure& e) {
      connection_.reset();  // broken or in doubt: reconnect next time
      schema_ready_ = false;
      throw RecordStoreError(alias_, strings::cat(doing, ": ", trimmed(e.what())));
    }
  }

  pqxx::connection& connection() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!connection_ || !connection_->is_open()) {
      connection_.reset();
      connection_ = std::make_unique<pqxx::connection>(connection_string_);
      // A guard must refuse within bounded time, not wait behind a lock someone holds on the
      // record table (an ALTER, a LOCK TABLE): give up on a lock after 5 seconds.
      pqxx::nontransaction(*connection_).exec("SET lock_timeout = '5s'");
      connection_->prepare("mm_get", internal::kGet);
      connection_->prepare("mm_list", internal::kList);
      connection_->prepare("mm_insert_if_absent", internal::kInsertIfAbsent);
      connection_->prepare("mm_replace_if", internal::kReplaceIf);
      connection_->prepare("mm_upsert", internal::kUpsert);
      connection_->prepare("mm_remove", internal::kRemove);
      connection_->prepare("mm_remove_if", internal::kRemoveIf);
    }
    return *connection_;
  }

  static std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  const std::string alias_;
  const std::string connection_string_;
  Mutex mu_;
  std::unique_ptr<pqxx::connection> connection_ ABSL_GUARDED_BY(mu_);
  bool schema_ready_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

std::unique_ptr<RecordStore> open_record_store(const std::string& alias, const std::string& url) {
  return std::make_unique<PostgresRecordStore>(alias, url);
}

}  // namespace massmigration::postgres
