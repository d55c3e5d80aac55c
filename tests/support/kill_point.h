// Test-only: stops a mapper run in this process at a named point, so that the test that
// started the process can SIGKILL it exactly there. It wraps the registered database drivers
// ("sqlite", "postgresql", "postgres"); the library itself knows nothing of it.
//
// At the point, the process prints "stopped at POINT\n" to standard output and blocks until
// killed; from then on every commit and record write of every thread blocks too, so that the
// database keeps what it held at that moment. Points:
//   chunk-commit-before:N   before the Nth chunk's commit (its rows and progress are sent)
//   chunk-commit-inside:N   inside the Nth chunk's COMMIT (SQLite's commit hook)
//   chunk-commit-after:N    after the Nth chunk's commit returned
//   claim-commit-after:N    after a worker's Nth claim of a chunk committed
//   split-commit-before     a parallel run's key ranges written to the record, not committed
//   split-commit-after      ... committed, before any worker commits a chunk
//   finish-before           the run's APPLIED record write, before it
//   finish-after            ... after it
// A worker of the workers backend counts the transactions that complete a chunk as chunks.
// "hold:POINT" holds at POINT instead: it prints "held at POINT\n", waits for a line on
// standard input with every other commit and record write waiting too, then goes on.
#ifndef MASSMIGRATION_TESTS_SUPPORT_KILL_POINT_H_
#define MASSMIGRATION_TESTS_SUPPORT_KILL_POINT_H_

#include <string>

namespace massmigration::test {

// Wraps the drivers to stop at `point`; throws std::invalid_argument for an unknown point.
void install_kill_point(const std::string& point);

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_KILL_POINT_H_
