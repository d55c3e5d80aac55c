// Internal: one attempt of a mapper migration on one database. It reads the selection a chunk
// at a time in primary-key order; each chunk is one transaction that also advances the
// record's checkpoint and progress, after a check that the record still belongs to this
// attempt, and reads back what the run was asked meanwhile: to pause or cancel (it stops after
// that chunk) and its tuning. On engines with concurrent writers, workers run key ranges in
// parallel. The first failure or stop request stops every worker; a failure is recorded once
// they are all done. Not API.
//
// Its member functions live by concern: mapper_runner.cc (the run as a whole, and stopping),
// mapper_chunks.cc (the chunk loop), mapper_parallel.cc (the range split and its workers),
// mapper_outcome.cc (what the record says before and after the chunks).
#ifndef MASSMIGRATION_SRC_RUNNERS_MAPPER_RUN_H_
#define MASSMIGRATION_SRC_RUNNERS_MAPPER_RUN_H_

#include <atomic>
#include <chrono>
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

// No pause between chunks.
inline constexpr std::chrono::milliseconds kNoPause{0};
// Sharing a single-writer database: chunks for a slice, then the database is left free for a
// gap. SQLite's busy handler retries a waiting write 0, 1, 3, 8, 18 and 33 ms after its first
// try: with slices of at most about 32 ms and gaps of at least 15 ms, one of those lands in a
// gap, wherever the write began; longer slices let it miss every gap for 50 ms or more.
inline constexpr std::chrono::milliseconds kSharedSlice{30};
inline constexpr std::chrono::milliseconds kSharedGap{15};

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
  // One chunk in one transaction; advances `checkpoint`. False when there is nothing left, or
  // the run stops (stale, or asked to stop).
  bool run_chunk(const ChunkQuery& query, const std::optional<OwnRange>& range,
                 std::optional<std::string>& checkpoint);
  // After a chunk of `rows` rows that took `took`: the operator's tuning, or else the size
  // that the target chunk duration asks for.
  void adjust(const RunTuning& tuning, std::int64_t rows, std::chrono::steady_clock::duration took);
  // The pause between chunks (tuned, or configured) and then the migration's throttle(); false
  // when the run stopped meanwhile (a local stop, or asked through its record).
  bool wait_before_next_chunk(std::chrono::steady_clock::time_point& slice_began);
  bool wait_between_chunks(std::chrono::milliseconds wait);
  // The record asks this attempt to pause or cancel (then recorded, between chunks), or no
  // longer belongs to it: the run stops.
  bool asked_to_stop();
  // The mapper's batch_operation; its failure becomes a ChunkFailure naming the row or chunk.
  void apply_batch(std::vector<MapperRow>& rows, OperationContext& ctx);

  // The record still belongs to this attempt (through the record cache).
  bool attempt_is_current();

  void finish();
  void record_failure(const std::string& error);
  // The run stopped as it was asked (PAUSED or CANCELLED by a chunk, or this process's local
  // stop): logs it, reports progress, and records a local stop. Whoever stopped it wrote the
  // event.
  void record_stop();

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

  // Why the run stopped before the end; each sets it once (the first to stop wins), and it is
  // read after the workers are joined.
  enum class Stop { kNone, kFailed, kStale, kAsked, kLocal };
  // Stops every worker; the first failure is recorded once they are all done.
  void fail(const std::string& error);
  void stale();
  // A chunk's commit found the run asked to stop and recorded `status` (PAUSED, CANCELLED).
  void stopped_as_asked(MigrationStatus status);
  void stopped_locally();
  bool stop(Stop why);

  RunState& state_;
  MapperMigration& mapper_;
  const MapperPlan plan_;
  const MigrationKey key_;
  const std::string alias_;
  const std::string attempt_;
  const std::string where_;
  std::vector<std::string> columns_;
  std::atomic<bool> stopped_{false};
  Stop stop_ = Stop::kNone;                            // set by whoever stops the run first
  std::optional<std::string> failure_;                 // with kFailed
  MigrationStatus asked_ = MigrationStatus::kRunning;  // with kAsked
  std::atomic<std::int64_t> rows_done_{0};             // by this attempt
  std::atomic<std::int64_t> chunk_size_;               // for the next chunk
  std::atomic<std::int64_t> pause_ms_;                 // between chunks
  std::atomic<bool> tuned_size_{false};                // an operator set the chunk size
  // Sharing a single-writer database (Config::pause_between_chunks): slices of chunks, each
  // followed by a gap for other writers. Off once an operator tunes the pause.
  std::atomic<bool> sharing_;
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_MAPPER_RUN_H_
