// Internal: one attempt of a mapper migration on one database. It reads the selection a chunk
// at a time in primary-key order; each chunk is one transaction that also advances the
// record's checkpoint and progress, after a check that the record still belongs to this
// attempt. On engines with concurrent writers, workers run key ranges in parallel. The first
// failure stops every worker and is recorded once they are all done. Not API.
//
// Its member functions live by concern: mapper_runner.cc (the run as a whole, and stopping),
// mapper_chunks.cc (the chunk loop), mapper_parallel.cc (the range split and its workers),
// mapper_outcome.cc (what the record says before and after the chunks).
#ifndef MASSMIGRATION_SRC_RUNNERS_MAPPER_RUN_H_
#define MASSMIGRATION_SRC_RUNNERS_MAPPER_RUN_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exception_text.h"
#include "massmigration/mapper.h"
#include "massmigration/sql.h"
#include "model/mapper_plan.h"
#include "runners/mapper_checkpoint.h"
#include "runners/mapper_sql.h"
#include "runners/run_state.h"

namespace massmigration::internal {

class MapperRun {
 public:
  MapperRun(RunState& state, MapperPlan plan);

  // Runs the attempt from its record's checkpoint to the end and records the outcome.
  void run();

 private:
  void work();

  // rows_total, counted once at the start of the first attempt.
  bool count_total();

  // min and max key over the selection, split into equal integer ranges.
  std::optional<std::vector<Range>> split_key_space();
  // The ranges go into the checkpoint before any worker starts, so each can update its own.
  bool record_ranges(const std::vector<Range>& ranges);
  void run_ranges(std::vector<Range> ranges);

  // Processes keys after `checkpoint` (within `range` when given), a chunk at a time.
  void run_range(std::optional<OwnRange> range, std::optional<std::string> checkpoint);
  // One chunk in one transaction; advances `checkpoint`. False when there is nothing left or
  // the attempt is stale.
  bool run_chunk(const ChunkQuery& query, const std::optional<OwnRange>& range,
                 std::optional<std::string>& checkpoint);
  std::vector<MapperRow> fetch_chunk(SqlSession& session, const ChunkQuery& query);
  // The mapper's batch_operation; its failure becomes a ChunkFailure naming the row or chunk.
  void apply_batch(std::vector<MapperRow>& rows, OperationContext& ctx);

  // The record still belongs to this attempt (through the record cache).
  bool attempt_is_current();

  void finish();
  void record_failure(const std::string& error);

  // Runs `fn`; a failure stops every worker and marks the record ERRORED (once).
  template <typename Fn>
  bool attempt(Fn fn) {
    try {
      return fn();
    } catch (const ChunkFailure& e) {
      fail(e.what());
    } catch (...) {
      fail(describe_current_exception());
    }
    return false;
  }

  // Stops every worker; the first failure is recorded once they are all done.
  void fail(const std::string& error);
  void stale();

  RunState& state_;
  MapperMigration& mapper_;
  const MapperPlan plan_;
  const MigrationKey key_;
  const std::string alias_;
  const std::string attempt_;
  const std::string where_;
  std::vector<std::string> columns_;
  std::atomic<bool> stopped_{false};
  std::optional<std::string> failure_;      // set by whoever stops the run first
  std::atomic<std::int64_t> rows_done_{0};  // by this attempt
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_MAPPER_RUN_H_
