// The PostgreSQL record store and migration sessions (target massmigration::postgres), for URLs
//
//   postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require&connect_timeout=5
//
// (also postgres://; any libpq connection parameter may be given as a query option, and
// percent-encoding works as libpq documents). Linking massmigration::postgres registers the
// driver; nothing needs to be called. connect_timeout defaults to 5 seconds.
//
// One more query option is massmigration's own: record_timeout=SECONDS (default 5, fractions
// allowed, 0.001 to 86400; configure() rejects anything else). Every call of the record store
// (a guard's check, reading, listing, writing or deleting a record) ends within that time,
// connecting included, with RecordStoreError naming the deadline, even when the server is hung
// and its kernel still accepts connections: a guard on a database that is down or hung refuses
// instead of hanging. The store's connections also stop waiting for a lock on the record table
// a second before that deadline (half of a deadline under 2 s), so such a refusal names the lock.
//
// The store runs up to 4 calls per alias at once, each on a connection of its own (kept for
// later calls); a further call waits for one only until its own deadline. A connection whose
// call failed or timed out is dropped, and an idle one the server closed (a restart) is not
// used, so a restarted or continued server needs no restart of the program. Migration sessions
// open a connection each (kept for later sessions). Statements are prepared once per
// connection.
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
