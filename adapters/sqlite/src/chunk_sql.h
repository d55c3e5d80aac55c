// Internal to the SQLite driver: the workers backend's chunk queue, table
// `massmigration_chunk` (see RunSession). Called inside a session's transaction.
#ifndef MASSMIGRATION_ADAPTERS_SQLITE_CHUNK_SQL_H_
#define MASSMIGRATION_ADAPTERS_SQLITE_CHUNK_SQL_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/record_store.h"
#include "sqlite_connection.h"

namespace massmigration::sqlite::internal {

extern const char* const kCreateChunkTable;

void replace_chunks(Connection& connection, const MigrationKey& key,
                    const std::vector<ChunkRange>& ranges);
std::optional<ClaimedChunk> claim_chunk(Connection& connection, std::string_view worker,
                                        std::string_view claim, std::chrono::milliseconds lease);
std::optional<std::int64_t> complete_chunk(Connection& connection, std::int64_t id,
                                           std::string_view claim, std::int64_t rows);
std::optional<int> release_chunk(Connection& connection, std::int64_t id, std::string_view claim,
                                 const std::optional<std::string>& error);
bool extend_claim(Connection& connection, std::int64_t id, std::string_view claim,
                  std::chrono::milliseconds lease);
std::int64_t unfinished_chunks(Connection& connection, const MigrationKey& key);
ChunkCounts count_chunks(Connection& connection, const MigrationKey& key);

}  // namespace massmigration::sqlite::internal

#endif  // MASSMIGRATION_ADAPTERS_SQLITE_CHUNK_SQL_H_
