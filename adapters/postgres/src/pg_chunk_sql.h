// Internal to the PostgreSQL driver: the statements of the workers backend's chunk queue,
// table `massmigration_chunk` (see RunSession).
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_PG_CHUNK_SQL_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_PG_CHUNK_SQL_H_

namespace massmigration::postgres::internal {

extern const char* const kCreateChunkTable;
extern const char* const kDeleteChunks;   // $1 key
extern const char* const kInsertChunk;    // $1 key, $2 after, $3 upto
extern const char* const kClaimChunk;     // $1 claim, $2 worker, $3 lease (ms)
extern const char* const kCompleteChunk;  // $1 id, $2 claim, $3 rows
// $1 id, $2 claim, $3 rows; next: $4 claim, $5 worker, $6 lease (ms)
extern const char* const kCompleteChunkClaimNext;
extern const char* const kReleaseChunk;      // $1 id, $2 claim, $3 error or NULL
extern const char* const kExtendClaim;       // $1 id, $2 claim, $3 lease (ms)
extern const char* const kUnfinishedChunks;  // $1 key
extern const char* const kCountChunks;       // $1 key

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_PG_CHUNK_SQL_H_
