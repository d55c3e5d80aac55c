// SQL on a configured database, as migrations see it through OperationContext, and the seam a
// database driver implements for it.
//
// Parameters are written $1, $2, ... in every engine and bound in order from the values given.
// Values are NULL (nullptr), 64-bit integers, doubles and text.
#ifndef MASSMIGRATION_SQL_H_
#define MASSMIGRATION_SQL_H_

#include <any>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace massmigration {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

// True for the C++ types a SqlValue holds.
template <typename T>
inline constexpr bool kIsSqlValueType =
    std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, std::int64_t> ||
    std::is_same_v<T, double> || std::is_same_v<T, std::string>;

namespace internal {
// Throws std::invalid_argument: `value` is above the largest SQL integer.
[[noreturn]] void throw_unsigned_out_of_range(unsigned long long value);

template <typename V>
inline constexpr bool kIsSqlParameter =
    std::is_same_v<V, SqlValue> || std::is_same_v<V, std::nullptr_t> || std::is_arithmetic_v<V> ||
    std::is_convertible_v<const V&, std::string_view>;
}  // namespace internal

// Turns a C++ value into a SqlValue: integers, floating point, strings, nullptr. An unsigned
// value above INT64_MAX does not fit a SQL integer: std::invalid_argument naming it, never a
// negative number.
template <typename T>
SqlValue to_sql_value(T&& value) {
  using V = std::remove_cvref_t<T>;
  static_assert(internal::kIsSqlParameter<V>,
                "a SQL parameter is an integer, a floating point number, text (anything that "
                "converts to std::string_view), nullptr or a SqlValue; for an optional value "
                "pass opt ? SqlValue(*opt) : SqlValue(nullptr)");
  if constexpr (std::is_same_v<V, SqlValue> || std::is_same_v<V, std::nullptr_t>) {
    return SqlValue(std::forward<T>(value));
  } else if constexpr (std::is_same_v<V, bool> || std::is_integral_v<V>) {
    if constexpr (std::is_unsigned_v<V> && sizeof(V) >= sizeof(std::int64_t)) {
      if (value > static_cast<V>(INT64_MAX)) internal::throw_unsigned_out_of_range(value);
    }
    return SqlValue(static_cast<std::int64_t>(value));
  } else if constexpr (std::is_floating_point_v<V>) {
    return SqlValue(static_cast<double>(value));
  } else if constexpr (internal::kIsSqlParameter<V>) {
    return SqlValue(std::string(std::string_view(value)));
  } else {
    return SqlValue(nullptr);  // never compiled: keeps the report to the assertion
  }
}

// One transaction on one database. Driver-implemented; used by one thread at a time.
// Destroying a session that was not committed rolls its transaction back. Every method throws
// DatabaseError (naming the alias and keeping the driver's message) on failure.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  // Runs a statement; returns the number of rows it changed.
  virtual std::int64_t execute(std::string_view sql, std::span<const SqlValue> params) = 0;
  // Runs a query; returns every row.
  virtual std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params) = 0;
  // Runs a query and hands each row to `each` as it is read; the values may be moved from and
  // are valid during the call only, and `each` must not use this session. Saves query()'s
  // allocation per row. By default, through query().
  virtual void query_each(std::string_view sql, std::span<const SqlValue> params,
                          const std::function<void(std::span<SqlValue>)>& each);
  // Runs a statement whose outcome the caller does not wait for. Sent statements run in the
  // order sent and before anything else on this session; every other method (and
  // wait_for_sent) first waits for them and throws SentStatementError for the first that
  // failed, with its index among this session's sends. A driver may pipeline them, saving a
  // round trip each; by default they run at once, through execute.
  virtual void send(std::string_view sql, std::span<const SqlValue> params);
  // Waits until every sent statement has run; throws SentStatementError for the first failure.
  virtual void wait_for_sent() {}
  virtual void commit() = 0;
  // The driver's own handle (sqlite3* for SQLite), for what the portable calls cannot do.
  virtual std::any native_handle() = 0;

 private:
  std::uint64_t sent_at_once_ = 0;  // what the default send() has run
};

}  // namespace massmigration

#endif  // MASSMIGRATION_SQL_H_
