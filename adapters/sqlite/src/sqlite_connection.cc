#include "sqlite_connection.h"

#include <sqlite3.h>

#include "absl/strings/match.h"
#include "string_building.h"

namespace massmigration::sqlite::internal {
namespace {

[[noreturn]] void throw_failure(sqlite3* db, int code, std::string_view doing) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw SqliteFailure(code & 0xff,
                      strings::cat(doing, ": ", detail, " (", sqlite3_errstr(code), ")"));
}

}  // namespace

bool SqliteFailure::connection_is_sound() const {
  return code_ == SQLITE_BUSY || code_ == SQLITE_LOCKED || code_ == SQLITE_CONSTRAINT;
}

bool SqliteFailure::is_missing_table() const {
  return code_ == SQLITE_ERROR && absl::StrContains(what(), "no such table");
}

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_failure(db_, rc, "binding a parameter");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) throw_failure(db_, rc, "binding a parameter");
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) throw_failure(db_, rc, "binding a parameter");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_failure(db_, rc, strings::cat("running \"", sqlite3_sql(stmt_), "\""));
}

std::string Statement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (!data) return {};
  return std::string(reinterpret_cast<const char*>(data), sqlite3_column_bytes(stmt_, column));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return integer(column);
}

Connection::Connection(const std::filesystem::path& path, bool create,
                       std::chrono::milliseconds busy_timeout) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string doing = "opening the file";
    if (rc == SQLITE_CANTOPEN && !create && !std::filesystem::exists(path)) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw SqliteFailure(SQLITE_CANTOPEN,
                          "the file does not exist (nothing has been recorded there yet)");
    }
    try {
      throw_failure(db_, rc, doing);
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

[[noreturn]] void Connection::fail(int code, std::string_view doing) const {
  throw_failure(db_, code, doing);
}

void Connection::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, strings::cat("running \"", sql, "\""));
}

Statement Connection::statement(const char* sql) {
  sqlite3_stmt*& stmt = statements_[sql];
  if (!stmt) {
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      statements_.erase(sql);
      fail(rc, strings::cat("preparing \"", sql, "\""));
    }
  }
  return Statement(stmt, db_);
}

int Connection::changes() const { return sqlite3_changes(db_); }

}  // namespace massmigration::sqlite::internal
