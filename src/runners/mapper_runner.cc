// The mapper runner: a mapper run as a whole (plan, chunks, outcome) and how it stops, on a
// failure or when its attempt was deleted or replaced.
#include "runners/mapper_runner.h"

#include "massmigration/log.h"
#include "runners/mapper_run.h"
#include "runners/record_cache.h"
#include "string_building.h"

namespace massmigration::internal {

MapperRun::MapperRun(RunState& state, MapperPlan plan)
    : state_(state),
      // The registry's instance is shared; operation() is not const because migrations may
      // keep state while they run, which their authors make safe (parallel workers too).
      mapper_(const_cast<MapperMigration&>(static_cast<const MapperMigration&>(*state.migration))),
      plan_(std::move(plan)),
      key_(state.record.key),
      alias_(state.database->alias()),
      attempt_(state.record.attempt_uuid),
      where_(strings::cat(key_.str(), " on ", alias_)),
      chunk_size_(state.record.tuning.chunk_size.value_or(plan_.chunk_size)),
      pause_ms_(state.record.tuning.pause_ms.value_or(
          state.installation->config().pause_between_chunks.value_or(kNoPause).count())),
      tuned_size_(state.record.tuning.chunk_size.has_value()),
      // Nobody said how long to pause, and one writer at a time holds the database.
      sharing_(!state.record.tuning.pause_ms &&
               !state.installation->config().pause_between_chunks &&
               !state.database->supports_concurrent_writers()) {
  columns_ = plan_.query.columns;
}

void MapperRun::run() {
  work();
  // Only now, with every worker done, may the record be rewritten whole: a worker still
  // committing chunks would otherwise have its progress overwritten.
  if (!stopped_) finish();
  switch (stop_) {
    case Stop::kFailed:
      record_failure(*failure_);  // also when finishing failed
      return;
    case Stop::kAsked:
    case Stop::kLocal:
      record_stop();
      return;
    case Stop::kNone:
    case Stop::kStale:
      return;
  }
}

void MapperRun::work() {
  if (!count_total()) return;
  std::optional<std::vector<Range>> ranges = parse_ranges(state_.record.checkpoint);
  if (!ranges && plan_.workers > 1 && state_.database->supports_concurrent_writers() &&
      !state_.record.checkpoint) {
    ranges = split_key_space();
    if (ranges && !ranges->empty() && !record_ranges(*ranges)) return;
  }
  if (ranges && !ranges->empty()) {
    run_ranges(*ranges);
  } else {
    run_range(std::nullopt, state_.record.checkpoint);
  }
}

bool MapperRun::attempt_is_current() {
  return attempt([&] {
    std::optional<MigrationRecord> record =
        record_cache().get(*state_.database, key_, state_.installation->config().record_cache_ttl);
    if (record && record->attempt_uuid == attempt_ && record->is_live()) return true;
    stale();
    return false;
  });
}

bool MapperRun::stop(Stop why) {
  if (stopped_.exchange(true)) return false;
  stop_ = why;  // written once, by the thread that stopped the run; read after joins
  return true;
}

void MapperRun::fail(const std::string& error) {
  if (stop(Stop::kFailed)) failure_ = error;
}

void MapperRun::stale() {
  if (!stop(Stop::kStale)) return;
  log(LogLevel::kWarning, strings::cat("migration ", where_, ": attempt ", attempt_,
                                       " was deleted or replaced, or stopped elsewhere; it "
                                       "stops without writing"));
}

void MapperRun::stopped_as_asked(MigrationStatus status) {
  if (stop(Stop::kAsked)) asked_ = status;
}

void MapperRun::stopped_locally() { stop(Stop::kLocal); }

void run_mapper(RunState& state) {
  const auto& mapper = static_cast<const MapperMigration&>(*state.migration);
  std::optional<MapperPlan> plan;
  try {
    plan = plan_mapper(mapper, state.database->alias(), state.params);
  } catch (...) {
    const std::string error = describe_current_exception();
    mark_errored(state, error, strings::cat("failed: ", error));
    return;
  }
  MapperRun(state, *std::move(plan)).run();
}

}  // namespace massmigration::internal
