// The chunk loop of a mapper run: each chunk is read by keyset pagination, handed to the
// mapper's batch_operation and committed in one transaction with the record's new checkpoint
// and progress, after a check that the attempt is still current.
#include <algorithm>
#include <cmath>

#include "process_counters.h"
#include "records/audit.h"
#include "records/transitions.h"
#include "runners/local_stop.h"
#include "runners/mapper_rows.h"
#include "runners/mapper_run.h"
#include "runners/progress_internal.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

// The most a chunk size changes from one chunk to the next, either way (GitLab's batch
// optimizer uses the same bound).
constexpr double kMaxChunkSizeStep = 1.2;

}  // namespace

void MapperRun::run_range(std::optional<OwnRange> range, std::optional<std::string> checkpoint) {
  const std::string select = chunk_select(plan_.query, columns_);
  const std::optional<std::int64_t> upto =
      range ? std::optional<std::int64_t>(range->second.upto) : std::nullopt;
  auto slice_began = std::chrono::steady_clock::now();
  while (!stopped_) {
    if (local_stop_requested()) return stopped_locally();
    if (state_.heartbeat->lost()) return stale();
    if (!attempt_is_current()) return;
    const ChunkQuery query = chunk_query(plan_, select, checkpoint, upto, chunk_size_);
    if (!attempt([&] { return run_chunk(query, range, checkpoint); })) return;
    // throttle() is the migration's code: what it throws fails the run like a chunk would.
    if (!attempt([&] { return wait_before_next_chunk(slice_began); })) return;
  }
}

bool MapperRun::run_chunk(const ChunkQuery& query, const std::optional<OwnRange>& range,
                          std::optional<std::string>& checkpoint) {
  std::unique_ptr<RunSession> session = state_.database->begin_chunk_session();
  // From when the chunk holds its transaction until its commit, for adjust(): neither waiting
  // for another writer nor the progress listener's time counts.
  const auto began = std::chrono::steady_clock::now();
  std::vector<MapperRow> rows = fetch_mapper_rows(*session, query, columns_, chunk_size_);
  if (rows.empty()) return false;
  OperationContext ctx(key_, alias_, state_.params, *session);
  apply_batch(rows, ctx);
  const std::string last = rows.back().key_text();
  auto next = [&](const std::optional<std::string>& current) -> std::string {
    return next_checkpoint(current, range, checkpoint, rows.back());
  };
  const auto count = static_cast<std::int64_t>(rows.size());
  const std::optional<RecordedChunk> recorded =
      advance_progress(*session, key_, attempt_, count, next);
  if (!recorded) {
    stale();
    return false;
  }
  session->commit();
  const auto took = std::chrono::steady_clock::now() - began;
  count_chunk(took);
  state_.heartbeat->written();  // advance_progress wrote it
  checkpoint = last;
  const std::int64_t done = rows_done_.fetch_add(count) + count;
  report_progress(
      {key_, alias_, state_.record.rows_done + done, state_.record.rows_total, done, false});
  if (recorded->status != MigrationStatus::kRunning) {
    record_event(
        state_.database->store(),
        {.key = key_,
         .alias = alias_,
         .attempt_uuid = attempt_,
         .action = recorded->status == MigrationStatus::kPaused ? "paused" : "cancelled",
         .actor = state_.record.owner,
         .detail = strings::cat("after its chunk, at ", state_.record.rows_done + done, " rows")});
    stopped_as_asked(recorded->status);
    return false;
  }
  adjust(recorded->tuning, count, took);
  return true;
}

void MapperRun::adjust(const RunTuning& tuning, std::int64_t rows,
                       std::chrono::steady_clock::duration took) {
  if (tuning.pause_ms) {
    pause_ms_ = *tuning.pause_ms;
    sharing_ = false;
  }
  if (tuning.chunk_size) {
    tuned_size_ = true;
    chunk_size_ = *tuning.chunk_size;
    return;
  }
  // Only a full chunk says how long one takes: the last one of a range is shorter.
  const std::int64_t size = chunk_size_;
  if (tuned_size_ || rows < size) return;
  std::chrono::milliseconds target;
  std::int64_t most = plan_.max_chunk_size;
  if (plan_.target_chunk_duration) {
    target = *plan_.target_chunk_duration;
  } else if (sharing_) {
    // A chunk longer than a slice keeps other writers out for longer: it shrinks, and grows
    // back no further than the size the migration asked for.
    target = kSharedSlice;
    most = std::min(most, plan_.chunk_size);
  } else {
    return;
  }
  const double ratio =
      std::chrono::duration<double>(target) /
      std::max(std::chrono::duration<double>(took), std::chrono::duration<double>(1e-6));
  const double factor = std::clamp(ratio, 1 / kMaxChunkSizeStep, kMaxChunkSizeStep);
  chunk_size_ =
      std::clamp(static_cast<std::int64_t>(std::llround(static_cast<double>(size) * factor)),
                 std::min(plan_.min_chunk_size, most), most);
}

bool MapperRun::wait_before_next_chunk(std::chrono::steady_clock::time_point& slice_began) {
  const std::chrono::milliseconds pause(pause_ms_.load());
  if (pause > std::chrono::milliseconds::zero() && !wait_between_chunks(pause)) return false;
  if (sharing_ && std::chrono::steady_clock::now() - slice_began >= kSharedSlice) {
    if (!wait_between_chunks(kSharedGap)) return false;
    slice_began = std::chrono::steady_clock::now();
  }
  // Asked after the pause, so that it sees the state the next chunk would meet.
  const std::chrono::milliseconds throttle = mapper_.throttle(alias_);
  return throttle <= std::chrono::milliseconds::zero() || wait_between_chunks(throttle);
}

bool MapperRun::wait_between_chunks(std::chrono::milliseconds wait) {
  // A pause or cancel must take effect within a lease, even while a long wait keeps the next
  // chunk (which would read it) from coming: look at the record every heartbeat interval.
  const std::chrono::milliseconds step =
      std::max(state_.installation->config().run_lease / 3, std::chrono::milliseconds(1));
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    // Rounded up: a wait never ends before its time.
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds::zero()) return true;
    if (wait_unless_stopped(std::min(left, step))) {
      stopped_locally();
      return false;
    }
    if (left > step && asked_to_stop()) return false;
  }
}

bool MapperRun::asked_to_stop() {
  return attempt([&] {
    std::optional<MigrationRecord> record = state_.database->store().get(key_);
    if (!record || record->attempt_uuid != attempt_ || !record->is_live()) {
      stale();
      return true;
    }
    if (record->status() == MigrationStatus::kRunning) return false;
    // Between chunks, nothing of this attempt is in flight: it stops as it was asked.
    const std::optional<MigrationStatus> stopped = stop_own_run(
        state_.database->store(), key_, alias_, attempt_, "asked while it waited between chunks");
    if (!stopped) {
      stale();
      return true;
    }
    stopped_as_asked(*stopped);
    return true;
  });
}

void MapperRun::apply_batch(std::vector<MapperRow>& rows, OperationContext& ctx) {
  try {
    mapper_.batch_operation(rows, ctx);
    ctx.wait_for_sent();  // what an overriding batch_operation sent is part of the chunk
  } catch (const MapperRowError& e) {
    throw row_failure(plan_.query.primary_key, e);
  } catch (...) {
    std::string error = describe_current_exception();
    // What the chunk sent may have failed before whatever was thrown: report the first.
    try {
      ctx.wait_for_sent();
    } catch (const SentStatementError&) {
      error = describe_current_exception();
    } catch (...) {
      // A consequence of the error already in hand.
    }
    throw ChunkFailure(strings::cat("chunk ", plan_.query.primary_key, " ", rows.front().key_text(),
                                    "..", rows.back().key_text(), ": ", error));
  }
}

}  // namespace massmigration::internal
