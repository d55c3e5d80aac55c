// map:0001_resumable, shared by mapper_test and the mapper_worker it kills: a mapper over
// table `work` (25 rows a chunk) that logs every row into `done_rows`. Before row
// resumable_stop_at it prints "stopping\n" and blocks reading standard input forever.
#ifndef MASSMIGRATION_TESTS_SUPPORT_RESUMABLE_MAPPER_H_
#define MASSMIGRATION_TESTS_SUPPORT_RESUMABLE_MAPPER_H_

#include <atomic>
#include <cstdint>

namespace massmigration::test {

extern std::atomic<std::int64_t> resumable_stop_at;  // -1: never stop

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_RESUMABLE_MAPPER_H_
