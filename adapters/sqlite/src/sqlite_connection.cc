#include "sqlite_connection.h"

#include <sqlite3.h>

#include <charconv>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "file_access.h"
#include "string_building.h"

namespace massmigration::sqlite::internal {
namespace {

// `doing` may be empty: callers name the statement they ran, and repeating its SQL here made
// messages say it twice.
[[noreturn]] void throw_failure(sqlite3* db, int code, std::string_view doing) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw SqliteFailure(code & 0xff, strings::cat(doing, doing.empty() ? "" : ": ", detail, " (",
                                                sqlite3_errstr(code), ")"));
}

}  // namespace

bool SqliteFailure::connection_is_sound() const {
  return code_ == SQLITE_BUSY || code_ == SQLITE_LOCKED || code_ == SQLITE_CONSTRAINT;
}

bool SqliteFailure::is_missing_table() const {
  return code_ == SQLITE_ERROR && absl::StrContains(what(), "no such table");
}

bool SqliteFailure::is_missing_column() const {
  return code_ == SQLITE_ERROR && absl::StrContains(what(), "no such column");
}

Statement::~Statement() {
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }

SqlValue Statement::value(int column) const {
  switch (sqlite3_column_type(stmt_, column)) {
    case SQLITE_INTEGER:
      return integer(column);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt_, column);
    case SQLITE_NULL:
      return nullptr;
    default:
      return text(column);
  }
}

void Statement::bind_all(std::span<const SqlValue> values) {
  const int count = sqlite3_bind_parameter_count(stmt_);
  if (count != static_cast<int>(values.size())) {
    throw SqliteFailure(SQLITE_RANGE, strings::cat("\"", sqlite3_sql(stmt_), "\" takes ", count,
                                                   " parameter(s), ", values.size(), " given"));
  }
  for (int index = 1; index <= count; ++index) {
    const char* name = sqlite3_bind_parameter_name(stmt_, index);
    size_t value_index = index - 1;
    if (name && (name[0] == '$' || name[0] == '?')) {
      int number = 0;
      std::string_view digits(name + 1);
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
      if (error != std::errc() || end != digits.data() + digits.size() || number < 1 ||
          number > count) {
        throw SqliteFailure(SQLITE_RANGE,
                            strings::cat("parameter ", name, " in \"", sqlite3_sql(stmt_),
                                         "\" is not $1..$", count));
      }
      value_index = number - 1;
    } else if (name) {
      throw SqliteFailure(SQLITE_RANGE,
                          strings::cat("parameter ", name, " is not supported; write $1..$N"));
    }
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::nullptr_t>) {
            bind(index, std::nullopt);
          } else if constexpr (std::is_same_v<V, double>) {
            int rc = sqlite3_bind_double(stmt_, index, v);
            if (rc != SQLITE_OK) throw_failure(db_, rc, "binding a parameter");
          } else {
            bind(index, v);
          }
        },
        values[value_index]);
  }
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_failure(db_, rc, "binding a parameter");
  return *this;
}

Statement& Statement::bind_borrowed(int index, const std::string& text) {
  // A length of -1 tells SQLite the text ends with a NUL, so reading it back as a column needs
  // no terminated copy; text with a NUL inside needs its length.
  const int size = text.find('\0') == std::string::npos ? -1 : static_cast<int>(text.size());
  int rc = sqlite3_bind_text(stmt_, index, text.c_str(), size, SQLITE_STATIC);
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
  throw_failure(db_, rc, "");
}

std::string Statement::text(int column) const {
  Digits digits;
  return std::string(text_view(column, digits).value_or(std::string_view()));
}

std::optional<std::string> Statement::optional_text(int column) const {
  Digits digits;
  std::optional<std::string_view> text = text_view(column, digits);
  if (!text) return std::nullopt;
  return std::string(*text);
}

std::optional<std::string_view> Statement::text_view(int column, Digits& digits) const {
  // The value read through once: each sqlite3_column_* call checks the statement's state
  // again, and a record's read asks three of them for each of its twenty columns. The
  // unprotected value is safe here: a connection is used by one thread at a time.
  sqlite3_value* value = sqlite3_column_value(stmt_, column);
  switch (sqlite3_value_type(value)) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_INTEGER: {
      // The digits SQLite would write, written here: SQLite converts into a buffer it
      // allocates and frees with the row, which made integers the dearest part of a record's
      // read (records are read as text, most of their columns integers).
      const char* end =
          std::to_chars(digits.data(), digits.data() + digits.size(), sqlite3_value_int64(value))
              .ptr;
      return std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data()));
    }
    default: {
      const unsigned char* data = sqlite3_value_text(value);
      if (!data) return std::string_view();
      return std::string_view(reinterpret_cast<const char*>(data),
                              static_cast<std::size_t>(sqlite3_value_bytes(value)));
    }
  }
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
    if (rc == SQLITE_CANTOPEN) {
      // SQLite says only "unable to open database file"; the file system says why.
      const bool missing = !create && std::filesystem::is_directory(path.parent_path()) &&
                           !std::filesystem::exists(path);
      std::optional<std::string> problem =
          missing ? std::optional<std::string>("the file does not exist")
                  : file_access_problem(path);
      if (problem) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw SqliteFailure(SQLITE_CANTOPEN, *problem);
      }
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
  // Double quotes name identifiers, never strings: otherwise a misspelt column in a mapper's
  // query would read as its own name in every row instead of failing.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
  // Whatever SQLite was built to default to: a record (an APPLIED one above all) must survive
  // a power failure. Mapper chunk sessions relax it for their own transactions.
  sqlite3_exec(db_, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  for (auto& [sql, stmt] : by_text_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

[[noreturn]] void Connection::fail(int code, std::string_view doing) const {
  throw_failure(db_, code, doing);
}

bool Connection::in_wal_mode() {
  if (!wal_) {
    Statement mode = statement("PRAGMA journal_mode");
    wal_ = mode.step() && absl::AsciiStrToLower(mode.text(0)) == "wal";
  }
  return *wal_;
}

void Connection::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, "");
}

Statement Connection::statement(const char* sql) {
  sqlite3_stmt*& stmt = statements_[sql];
  if (!stmt) {
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      statements_.erase(sql);
      fail(rc, "preparing");
    }
  }
  return Statement(stmt, db_);
}

std::optional<Statement> Connection::prepare_once(std::string_view sql, std::string_view* rest) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc != SQLITE_OK) fail(rc, "preparing");
  *rest = sql.substr(tail - sql.data());
  if (!stmt) return std::nullopt;  // only whitespace or comments
  return std::optional<Statement>(std::in_place, stmt, db_, /*owned=*/true);
}

std::optional<Statement> Connection::cached(std::string_view sql) {
  if (auto it = by_text_.find(sql); it != by_text_.end())
    return std::optional<Statement>(std::in_place, it->second, db_);
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) fail(rc, "preparing");
  std::string_view rest = sql.substr(tail - sql.data());
  const bool single = stmt && rest.find_first_not_of(" \t\r\n;") == std::string_view::npos;
  if (!single) {
    sqlite3_finalize(stmt);
    return std::nullopt;
  }
  by_text_.emplace(std::string(sql), stmt);
  return std::optional<Statement>(std::in_place, stmt, db_);
}

int Connection::changes() const { return sqlite3_changes(db_); }

bool Connection::file_has_moved() const {
  int moved = 0;
  return sqlite3_file_control(db_, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK &&
         moved != 0;
}

}  // namespace massmigration::sqlite::internal
