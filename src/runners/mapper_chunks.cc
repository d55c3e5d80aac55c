// The chunk loop of a mapper run: each chunk is read by keyset pagination, handed to the
// mapper's batch_operation and committed in one transaction with the record's new checkpoint
// and progress, after a check that the attempt is still current.
#include <algorithm>
#include <iterator>
#include <span>
#include <thread>

#include "records/transitions.h"
#include "runners/mapper_run.h"
#include "runners/progress_internal.h"
#include "string_building.h"

namespace massmigration::internal {

void MapperRun::run_range(std::optional<OwnRange> range, std::optional<std::string> checkpoint) {
  const std::string select = chunk_select(plan_.query, columns_);
  const std::optional<std::int64_t> upto =
      range ? std::optional<std::int64_t>(range->second.upto) : std::nullopt;
  while (!stopped_) {
    if (state_.heartbeat->lost()) {
      stale();
      return;
    }
    if (!attempt_is_current()) return;
    const ChunkQuery query = chunk_query(plan_, select, checkpoint, upto);
    bool more = attempt([&] { return run_chunk(query, range, checkpoint); });
    if (!more) return;
    // Room for the application's own writers (SQLite has one writer at a time).
    const std::chrono::milliseconds pause = state_.installation->config().pause_between_chunks;
    if (pause > std::chrono::milliseconds::zero()) std::this_thread::sleep_for(pause);
  }
}

bool MapperRun::run_chunk(const ChunkQuery& query, const std::optional<OwnRange>& range,
                          std::optional<std::string>& checkpoint) {
  std::unique_ptr<RunSession> session = state_.database->begin_chunk_session();
  std::vector<MapperRow> rows = fetch_chunk(*session, query);
  if (rows.empty()) return false;
  OperationContext ctx(key_, alias_, state_.params, *session);
  apply_batch(rows, ctx);
  const std::string last = rows.back().key_text();
  auto next = [&](const std::optional<std::string>& current) -> std::string {
    return next_checkpoint(current, range, checkpoint, rows.back());
  };
  if (!advance_progress(*session, key_, attempt_, static_cast<std::int64_t>(rows.size()), next)) {
    stale();
    return false;
  }
  session->commit();
  state_.heartbeat->written();  // advance_progress wrote it
  checkpoint = last;
  const std::int64_t done = rows_done_.fetch_add(static_cast<std::int64_t>(rows.size())) +
                            static_cast<std::int64_t>(rows.size());
  report_progress(
      {key_, alias_, state_.record.rows_done + done, state_.record.rows_total, done, false});
  return true;
}

std::vector<MapperRow> MapperRun::fetch_chunk(SqlSession& session, const ChunkQuery& query) {
  std::vector<MapperRow> rows;
  rows.reserve(std::min<std::int64_t>(plan_.chunk_size, 1 << 16));
  session.query_each(query.sql, query.params, [&](std::span<SqlValue> values) {
    rows.emplace_back(
        std::move(values.front()), &columns_,
        SqlRow(std::make_move_iterator(values.begin() + 1), std::make_move_iterator(values.end())));
  });
  return rows;
}

void MapperRun::apply_batch(std::vector<MapperRow>& rows, OperationContext& ctx) {
  try {
    mapper_.batch_operation(rows, ctx);
    ctx.wait_for_sent();  // what an overriding batch_operation sent is part of the chunk
  } catch (const MapperRowError& e) {
    throw ChunkFailure(
        strings::cat("row ", plan_.query.primary_key, "=", e.key_text(), ": ", e.error()));
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
