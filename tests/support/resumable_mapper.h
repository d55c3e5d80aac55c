// Mappers shared by mapper_test and the mapper_worker it kills.
// - map:0001_resumable: over table `work` (25 rows a chunk), logs every row into `done_rows`.
//   Before row resumable_stop_at it prints "stopping\n" and blocks reading standard input.
// - map:0002_counted: over table `counted` (id, times), 25 rows a chunk, adds 1 to each row's
//   `times`, so that a row processed twice or never shows.
// - map:0003_counted_parallel: the same in four key ranges at once where the engine allows.
// - map:0004_counted_singly: the same one row a chunk (for workers racing for chunks).
#ifndef MASSMIGRATION_TESTS_SUPPORT_RESUMABLE_MAPPER_H_
#define MASSMIGRATION_TESTS_SUPPORT_RESUMABLE_MAPPER_H_

#include <atomic>
#include <cstdint>

namespace massmigration::test {

extern std::atomic<std::int64_t> resumable_stop_at;  // -1: never stop

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_RESUMABLE_MAPPER_H_
