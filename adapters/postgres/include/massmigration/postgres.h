// The PostgreSQL record store and migration sessions (target massmigration::postgres), for URLs
//
//   postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require&connect_timeout=5
//
// (also postgres://; any libpq connection parameter may be given as a query option, and
// percent-encoding works as libpq documents). Linking massmigration::postgres registers the
// driver; nothing needs to be called. connect_timeout defaults to 5 seconds, so a guard on a
// database that is down refuses within that time instead of hanging; the record store's
// connection also stops waiting for a lock on the record table after 5 seconds.
//
// The store keeps one connection per alias for records and opens one per migration session;
// after a failure it reconnects on the next use, so a restarted server needs no restart of the
// program. Statements are prepared once per connection.
#ifndef MASSMIGRATION_POSTGRES_H_
#define MASSMIGRATION_POSTGRES_H_

#include <memory>
#include <string>

#include "massmigration/record_store.h"

namespace massmigration::postgres {

// The connection string libpq gets for `url`: the URL with connect_timeout added when missing.
// Throws std::invalid_argument saying what libpq found wrong with it.
std::string connection_string(const std::string& url);

std::unique_ptr<RecordStore> open_record_store(const std::string& alias, const std::string& url);

// The registered driver for schemes "postgresql" and "postgres".
std::shared_ptr<const DatabaseDriver> driver();

}  // namespace massmigration::postgres

#endif  // MASSMIGRATION_POSTGRES_H_
