// Internal: the query options of a PostgreSQL URL that massmigration reads itself (libpq
// would reject them). Not API.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_URL_OPTIONS_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_URL_OPTIONS_H_

#include <chrono>
#include <string>
#include <string_view>

namespace massmigration::postgres::internal {

// Where the query of a postgresql:// or postgres:// URI begins (its '?'), or npos; also npos
// for a keyword=value string, which has no query.
size_t query_start(std::string_view url);

// The URL without massmigration's own query options, for libpq.
std::string without_own_options(const std::string& url);

// `record_timeout` (seconds, fractions allowed): how long one record-store call may take,
// connecting included; 5 s when absent. Throws std::invalid_argument naming the option and
// its value when that is not a number of seconds from 0.001 to 86400.
std::chrono::milliseconds record_timeout(const std::string& url);

// "5 s", "0.25 s": a timeout as messages and the option spell it.
std::string seconds_text(std::chrono::milliseconds timeout);

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_URL_OPTIONS_H_
