// Internal: migration sessions (one transaction each) on PostgreSQL. Not API.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_SESSION_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_SESSION_H_

#include <memory>
#include <string>

#include "massmigration/record_store.h"

namespace massmigration::postgres::internal {

// A `durable` session's commit returns once it is on disk; otherwise once the server has it
// (see DatabaseDriver::begin_chunk_session).
std::unique_ptr<RunSession> begin_session(const std::string& alias, const std::string& url,
                                          bool durable);

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_SESSION_H_
