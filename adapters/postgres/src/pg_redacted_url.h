// Internal: a PostgreSQL URL as error messages may show it. Not API.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_PG_REDACTED_URL_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_PG_REDACTED_URL_H_

#include <string>
#include <string_view>

namespace massmigration::postgres::internal {

// `url` (either libpq syntax) with every password replaced by "***": the one in
// "postgresql://user:password@host", a "password=" query parameter, and a "password = ..."
// keyword. Messages name the URL so that its owner can find the typo, and end up in logs and
// terminals where a password must not.
std::string redacted_url(std::string_view url);

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_PG_REDACTED_URL_H_
