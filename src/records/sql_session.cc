#include <cstdint>
#include <stdexcept>

#include "massmigration/errors.h"
#include "massmigration/sql.h"
#include "string_building.h"

namespace massmigration {

namespace internal {

void throw_unsigned_out_of_range(unsigned long long value) {
  throw std::invalid_argument(
      strings::cat("the SQL parameter ", value, " is above ", INT64_MAX,
                   ", the largest SQL integer (signed 64-bit); pass it as text or as a double"));
}

}  // namespace internal

void SqlSession::query_each(std::string_view sql, std::span<const SqlValue> params,
                            const std::function<void(std::span<SqlValue>)>& each) {
  for (SqlRow& row : query(sql, params)) each(row);
}

void SqlSession::send(std::string_view sql, std::span<const SqlValue> params) {
  const std::uint64_t index = sent_at_once_++;
  try {
    execute(sql, params);
  } catch (const SentStatementError&) {
    throw;
  } catch (const DatabaseError& e) {
    // The same exception a pipelining driver raises, so that callers need not know which
    // kind of driver they have.
    throw SentStatementError(e.alias(), e.detail(), index);
  }
}

}  // namespace massmigration
