// What a running migration is handed: the alias it runs on and SQL on that alias's database,
// inside one transaction. If the operation throws, the transaction is rolled back and the
// record becomes ERRORED; if it returns, the changes and the APPLIED record commit together.
//
//   void operation(mm::OperationContext& ctx) override {
//     for (const mm::SqlRow& row : ctx.query("SELECT id, name FROM product WHERE slug IS NULL"))
//       ctx.execute("UPDATE product SET slug = $1 WHERE id = $2", slugify(row[1]), row[0]);
//   }
//
// Thread safety: use it from the thread that runs the operation only.
#ifndef MASSMIGRATION_OPERATION_CONTEXT_H_
#define MASSMIGRATION_OPERATION_CONTEXT_H_

#include <any>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/key.h"
#include "massmigration/migration_params.h"
#include "massmigration/sql.h"

namespace massmigration {

class OperationContext {
 public:
  // REQUIRES: `session` outlives the context.
  OperationContext(MigrationKey key, std::string alias, BackendParams params, SqlSession& session)
      : key_(std::move(key)),
        alias_(std::move(alias)),
        params_(std::move(params)),
        session_(&session) {}
  OperationContext(const OperationContext&) = delete;
  OperationContext& operator=(const OperationContext&) = delete;

  // The migration being run.
  const MigrationKey& key() const { return key_; }
  // The database alias it runs on.
  const std::string& alias() const { return alias_; }
  // The migration's backend_params.
  const BackendParams& params() const { return params_; }

  // Runs a statement with $1..$N bound to `args`; returns the number of rows changed.
  template <typename... Args>
  std::int64_t execute(std::string_view sql, Args&&... args) {
    const std::array<SqlValue, sizeof...(Args)> values{to_sql_value(std::forward<Args>(args))...};
    return session_->execute(sql, values);
  }
  // Runs a query with $1..$N bound to `args`; returns every row.
  template <typename... Args>
  std::vector<SqlRow> query(std::string_view sql, Args&&... args) {
    const std::array<SqlValue, sizeof...(Args)> values{to_sql_value(std::forward<Args>(args))...};
    return session_->query(sql, values);
  }
  // Runs one statement (not a script of several, not COPY) without waiting for its outcome,
  // for writes whose changed-row count is not needed: a mapper's per-row UPDATE, say.
  // Statements run in the order sent, all before any later execute or query returns and
  // before the transaction commits. A failure is raised there as SentStatementError; in a
  // mapper's operation() (with the default batch_operation) the record names the row that
  // sent it. On PostgreSQL this saves a network round trip per statement; on SQLite it runs
  // at once.
  template <typename... Args>
  void send(std::string_view sql, Args&&... args) {
    const std::array<SqlValue, sizeof...(Args)> values{to_sql_value(std::forward<Args>(args))...};
    session_->send(sql, values);
    ++sent_;
  }
  // Waits for every statement sent so far; throws SentStatementError for the first failure.
  void wait_for_sent() { session_->wait_for_sent(); }
  // How many statements this context's send() has sent.
  std::uint64_t sent_count() const { return sent_; }

  // The driver's handle for this transaction: std::any_cast<sqlite3*>(ctx.native_handle()).
  std::any native_handle() { return session_->native_handle(); }
  SqlSession& session() { return *session_; }

 private:
  MigrationKey key_;
  std::string alias_;
  BackendParams params_;
  SqlSession* session_;
  std::uint64_t sent_ = 0;
};

}  // namespace massmigration

#endif  // MASSMIGRATION_OPERATION_CONTEXT_H_
