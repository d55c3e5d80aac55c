// Internal: migration sessions (one transaction each) on SQLite. Not API.
#ifndef MASSMIGRATION_ADAPTERS_SQLITE_SESSION_H_
#define MASSMIGRATION_ADAPTERS_SQLITE_SESSION_H_

#include <memory>
#include <string>

#include "massmigration/record_store.h"
#include "massmigration/sqlite.h"

namespace massmigration::sqlite::internal {

// A `durable` session's commit returns once it is on disk; otherwise once it is in the
// write-ahead log (see DatabaseDriver::begin_chunk_session).
std::unique_ptr<RunSession> begin_session(const std::string& alias, const Location& location,
                                          bool durable);

}  // namespace massmigration::sqlite::internal

#endif  // MASSMIGRATION_ADAPTERS_SQLITE_SESSION_H_
