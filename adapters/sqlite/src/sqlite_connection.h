// Internal: one sqlite3 connection with its prepared statements. Not thread-safe: the owner
// serialises use. Every sqlite3 return code is checked and turned into SqliteFailure.
#ifndef MASSMIGRATION_ADAPTERS_SQLITE_CONNECTION_H_
#define MASSMIGRATION_ADAPTERS_SQLITE_CONNECTION_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "massmigration/sql.h"

struct sqlite3;
struct sqlite3_stmt;

namespace massmigration::sqlite::internal {

class SqliteFailure : public std::runtime_error {
 public:
  SqliteFailure(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  // The primary result code (SQLITE_BUSY, SQLITE_NOTADB, ...).
  int code() const { return code_; }
  // Busy and locked mean "try later"; the connection itself is fine.
  bool connection_is_sound() const;
  bool is_missing_table() const;
  // "no such column": a table created by an older version.
  bool is_missing_column() const;

 private:
  int code_;
};

// A prepared statement in use: bind, step, read columns. Resets itself when destroyed.
class Statement {
 public:
  // An `owned` statement is finalized on destruction; a cached one is only reset.
  Statement(sqlite3_stmt* stmt, sqlite3* db, bool owned = false)
      : stmt_(stmt), db_(db), owned_(owned) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::nullopt_t);
  // Binds `text` without copying it: it must outlive this object, which clears its bindings.
  // Selected back as a column, it costs no copy either (see the definition).
  Statement& bind_borrowed(int index, const std::string& text);
  Statement& bind(int index, std::optional<std::int64_t> value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }
  // True while a row is available.
  bool step();
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  // Room for an integer's digits, sign included.
  using Digits = std::array<char, 20>;
  // Column `column` as optional_text reads it, without copying: valid until the statement
  // steps or resets, an integer's digits while `digits` lives.
  std::optional<std::string_view> text_view(int column, Digits& digits) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  // Column `column` of the current row as the value SQLite holds.
  SqlValue value(int column) const;
  int column_count() const;
  // Binds values to the statement's parameters: $N and ?N take value N, a bare ? the next.
  // Throws SqliteFailure when the counts differ.
  void bind_all(std::span<const SqlValue> values);

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  bool owned_;
};

class Connection {
 public:
  // Opens `path`, creating it only when `create`. Throws SqliteFailure.
  Connection(const std::filesystem::path& path, bool create,
             std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const char* sql);
  // A cached prepared statement, ready to bind.
  Statement statement(const char* sql);
  // A statement prepared for one use from the start of `sql`; `*rest` gets the text after it.
  // Returns nullopt when `sql` holds only whitespace or comments.
  std::optional<Statement> prepare_once(std::string_view sql, std::string_view* rest);
  // A prepared statement for `sql`, kept for later calls with the same text, when `sql` is one
  // statement; nullopt for a script of several.
  std::optional<Statement> cached(std::string_view sql);
  sqlite3* handle() const { return db_; }
  // Rows changed by the last statement.
  int changes() const;
  // True when the file this connection opened was deleted, renamed or replaced since.
  bool file_has_moved() const;
  // Whether the database keeps a write-ahead log (journal_mode=WAL); asked once.
  bool in_wal_mode();

 private:
  [[noreturn]] void fail(int code, std::string_view doing) const;

  sqlite3* db_ = nullptr;
  std::optional<bool> wal_;
  std::map<const char*, sqlite3_stmt*> statements_;
  std::map<std::string, sqlite3_stmt*, std::less<>> by_text_;
};

}  // namespace massmigration::sqlite::internal

#endif  // MASSMIGRATION_ADAPTERS_SQLITE_CONNECTION_H_
