#include "pg_session.h"

#include <pqxx/pqxx>
#include <variant>

#include "massmigration/errors.h"
#include "massmigration/postgres.h"
#include "pg_record_sql.h"
#include "string_building.h"

namespace massmigration::postgres::internal {
namespace {

// PostgreSQL type OIDs (pg_type.h) that map to SqlValue numbers.
constexpr pqxx::oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701;

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

// A migration's transaction on a connection of its own.
class PostgresSession : public SqlSession {
 public:
  PostgresSession(std::string alias, const std::string& url) : alias_(std::move(alias)) {
    guarded("starting a transaction", [&] {
      connection_ = std::make_unique<pqxx::connection>(connection_string(url));
      ensure_schema(*connection_);
      work_ = std::make_unique<pqxx::work>(*connection_);
      return 0;
    });
  }

  ~PostgresSession() override {
    // pqxx::work rolls back an uncommitted transaction when destroyed, and never throws.
    work_.reset();
  }

  std::int64_t execute(std::string_view sql, std::span<const SqlValue> values) override {
    return guarded(strings::cat("running \"", sql, "\""),
                   [&] { return static_cast<std::int64_t>(run(sql, values).affected_rows()); });
  }

  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> values) override {
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

  bool replace_record_if(const MigrationRecord& record, std::string_view attempt_uuid,
                         MigrationStatus status) override {
    return guarded("updating the migration record", [&] {
      Params params;
      params.record(record).expected(attempt_uuid, status);
      return work_->exec_params(kReplaceIf, pqxx::prepare::make_dynamic_params(params.pointers()))
                 .affected_rows() == 1;
    });
  }

  bool advance_record(const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
                      const std::function<std::string(const std::optional<std::string>&)>&
                          next_checkpoint) override {
    return guarded("recording progress", [&] {
      // FOR UPDATE: parallel workers of one run take turns on the record row.
      pqxx::result current = work_->exec_params(
          "SELECT checkpoint FROM massmigration_record WHERE key = $1 AND attempt_uuid = $2 "
          "AND NOT is_applied AND NOT has_error FOR UPDATE",
          key.str(), std::string(attempt_uuid));
      if (current.empty()) return false;  // stale: deleted, replaced or no longer running
      std::optional<std::string> checkpoint;
      if (!current[0][0].is_null()) checkpoint = std::string(current[0][0].c_str());
      return work_
                 ->exec_params(
                     "UPDATE massmigration_record SET rows_done = rows_done + $3::bigint, "
                     "checkpoint = $4 WHERE key = $1 AND attempt_uuid = $2",
                     key.str(), std::string(attempt_uuid), rows, next_checkpoint(checkpoint))
                 .affected_rows() == 1;
    });
  }

  void commit() override {
    guarded("committing", [&] {
      work_->commit();
      return 0;
    });
  }

  std::any native_handle() override { return static_cast<pqxx::work*>(work_.get()); }

 private:
  pqxx::result run(std::string_view sql, std::span<const SqlValue> values) {
    // Without parameters, several statements may run at once (a script).
    if (values.empty()) return work_->exec(std::string(sql));
    Params params = params_of(values);
    return work_->exec_params(std::string(sql),
                              pqxx::prepare::make_dynamic_params(params.pointers()));
  }

  template <typename Fn>
  auto guarded(const std::string& doing, Fn fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const pqxx::sql_error& e) {
      throw RecordStoreError(alias_,
                             strings::cat(doing, ": ", e.what(), " (SQLSTATE ", e.sqlstate(), ")"));
    } catch (const pqxx::failure& e) {
      throw RecordStoreError(alias_, strings::cat(doing, ": ", e.what()));
    }
  }

  const std::string alias_;
  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<pqxx::work> work_;
};

}  // namespace

std::unique_ptr<SqlSession> begin_session(const std::string& alias, const std::string& url) {
  return std::make_unique<PostgresSession>(alias, url);
}

}  // namespace massmigration::postgres::internal
