// Parallel mapper runs: the selection's integer key space split into equal ranges, recorded in
// the checkpoint before any worker starts, and a worker thread per range.
#include <thread>

#include "records/transitions.h"
#include "runners/mapper_run.h"

namespace massmigration::internal {
namespace {

// Keys in (lo - 1, hi] split into `workers` ranges of nearly equal width; empty ones dropped.
std::vector<Range> split_evenly(std::int64_t lo, std::int64_t hi, int workers) {
  std::vector<Range> split;
  const std::int64_t start = lo - 1;
  const std::int64_t span = hi - start;
  for (int i = 0; i < workers; ++i) {
    std::int64_t after = start + span * i / workers;
    std::int64_t upto = start + span * (i + 1) / workers;
    if (upto > after) split.push_back({after, upto, after});
  }
  return split;
}

}  // namespace

std::optional<std::vector<Range>> MapperRun::split_key_space() {
  std::optional<std::vector<Range>> ranges;
  attempt([&] {
    std::unique_ptr<SqlSession> session = state_.database->begin_session();
    std::vector<SqlRow> rows =
        session->query(key_bounds_sql(plan_.query), plan_.query.filter_params);
    const auto* lo = std::get_if<std::int64_t>(&rows.at(0).at(0));
    const auto* hi = std::get_if<std::int64_t>(&rows.at(0).at(1));
    if (!lo || !hi) return true;  // empty, or not integer keys: one worker
    ranges = split_evenly(*lo, *hi, plan_.workers);
    return true;
  });
  return ranges;
}

bool MapperRun::record_ranges(const std::vector<Range>& ranges) {
  return attempt([&] {
    std::unique_ptr<RunSession> session = state_.database->begin_session();
    MigrationRecord split = state_.record;
    split.checkpoint = format_ranges(ranges);
    if (!record_progress(*session, split)) {
      stale();
      return false;
    }
    session->commit();
    state_.record = split;
    return true;
  });
}

void MapperRun::run_ranges(std::vector<Range> ranges) {
  std::vector<std::thread> workers;
  for (size_t i = 0; i < ranges.size(); ++i) {
    workers.emplace_back([this, i, range = ranges[i]] {
      run_range(std::make_pair(i, range), std::to_string(range.last));
    });
  }
  for (std::thread& worker : workers) worker.join();
}

}  // namespace massmigration::internal
