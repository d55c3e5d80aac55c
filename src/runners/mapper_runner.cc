// The mapper runner: keyset pagination in primary-key order, one transaction per chunk that
// also advances the record's checkpoint and progress, an attempt check before each chunk, and
// on engines with concurrent writers, key ranges in parallel.
#include "runners/mapper_runner.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <iterator>
#include <span>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "exception_text.h"
#include "massmigration/errors.h"
#include "massmigration/log.h"
#include "records/transitions.h"
#include "runners/progress_internal.h"
#include "runners/record_cache.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

std::string quoted(const std::string& identifier) { return "\"" + identifier + "\""; }

// A SqlValue to bind for a checkpoint: integers as integers, so comparisons stay numeric.
SqlValue checkpoint_value(const std::string& text) {
  std::int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc() && end == text.data() + text.size() && std::to_string(number) == text) {
    return number;
  }
  return text;
}

// A key range of a parallel run: keys in (after, upto], processed up to `last`.
struct Range {
  std::int64_t after = 0;
  std::int64_t upto = 0;
  std::int64_t last = 0;
};

// Parallel checkpoints: "ranges:after,upto,last;after,upto,last;...".
constexpr std::string_view kRangesPrefix = "ranges:";

std::optional<std::vector<Range>> parse_ranges(const std::optional<std::string>& checkpoint) {
  if (!checkpoint || !checkpoint->starts_with(kRangesPrefix)) return std::nullopt;
  std::vector<Range> ranges;
  const std::string list = checkpoint->substr(kRangesPrefix.size());
  for (const std::string& part : std::vector<std::string>(absl::StrSplit(list, ';'))) {
    std::vector<std::string> fields = absl::StrSplit(part, ',');
    Range r;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[0], &r.after) ||
        !absl::SimpleAtoi(fields[1], &r.upto) || !absl::SimpleAtoi(fields[2], &r.last)) {
      return std::nullopt;
    }
    ranges.push_back(r);
  }
  return ranges;
}

std::string format_ranges(const std::vector<Range>& ranges) {
  std::vector<std::string> parts;
  for (const Range& r : ranges) parts.push_back(strings::cat(r.after, ",", r.upto, ",", r.last));
  return strings::cat(kRangesPrefix, absl::StrJoin(parts, ";"));
}

class MapperRun {
 public:
  MapperRun(RunState& state, MapperPlan plan)
      : state_(state),
        // The registry's instance is shared; operation() is not const because migrations may
        // keep state while they run, which their authors make safe (parallel workers too).
        mapper_(
            const_cast<MapperMigration&>(static_cast<const MapperMigration&>(*state.migration))),
        plan_(std::move(plan)),
        key_(state.record.key),
        alias_(state.database->alias()),
        attempt_(state.record.attempt_uuid),
        where_(strings::cat(key_.str(), " on ", alias_)) {
    columns_ = plan_.query.columns;
  }

  void run() {
    work();
    // Only now, with every worker done, may the record be rewritten whole: a worker still
    // committing chunks would otherwise have its progress overwritten.
    if (!failure_ && !stopped_) finish();
    if (failure_) record_failure(*failure_);  // also when finishing failed
  }

 private:
  // rows_total, counted once at the start of the first attempt.
  bool count_total() {
    if (state_.record.rows_total) return true;
    return attempt([&] {
      std::unique_ptr<RunSession> session = state_.database->begin_session();
      std::vector<SqlRow> rows = session->query(
          strings::cat("SELECT count(*) FROM ", quoted_table(plan_.query.table), where_clause()),
          plan_.query.filter_params);
      MigrationRecord counted = state_.record;
      counted.rows_total = std::get<std::int64_t>(rows.at(0).at(0));
      if (!record_progress(*session, counted)) {
        stale();
        return false;
      }
      session->commit();
      state_.record = counted;
      return true;
    });
  }

  // The ranges go into the checkpoint before any worker starts, so each can update its own.
  bool record_ranges(const std::vector<Range>& ranges) {
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

  std::string where_clause() const {
    return plan_.query.filter.empty() ? "" : strings::cat(" WHERE (", plan_.query.filter, ")");
  }

  // min and max key over the selection, split into equal integer ranges.
  std::optional<std::vector<Range>> split_key_space() {
    std::optional<std::vector<Range>> ranges;
    attempt([&] {
      std::unique_ptr<SqlSession> session = state_.database->begin_session();
      const std::string pk = quoted(plan_.query.primary_key);
      std::vector<SqlRow> rows =
          session->query(strings::cat("SELECT min(", pk, "), max(", pk, ") FROM ",
                                      quoted_table(plan_.query.table), where_clause()),
                         plan_.query.filter_params);
      const auto* lo = std::get_if<std::int64_t>(&rows.at(0).at(0));
      const auto* hi = std::get_if<std::int64_t>(&rows.at(0).at(1));
      if (!lo || !hi) return true;  // empty, or not integer keys: one worker
      std::vector<Range> split;
      const std::int64_t start = *lo - 1;
      const std::int64_t span = *hi - start;
      for (int i = 0; i < plan_.workers; ++i) {
        std::int64_t after = start + span * i / plan_.workers;
        std::int64_t upto = start + span * (i + 1) / plan_.workers;
        if (upto > after) split.push_back({after, upto, after});
      }
      ranges = std::move(split);
      return true;
    });
    return ranges;
  }

  void run_ranges(std::vector<Range> ranges) {
    std::vector<std::thread> workers;
    for (size_t i = 0; i < ranges.size(); ++i) {
      workers.emplace_back([this, i, range = ranges[i]] {
        run_range(std::make_pair(i, range), std::to_string(range.last));
      });
    }
    for (std::thread& worker : workers) worker.join();
  }

  // Processes keys after `checkpoint` (within `range` when given), a chunk at a time.
  void run_range(std::optional<std::pair<size_t, Range>> range,
                 std::optional<std::string> checkpoint) {
    const std::string pk = quoted(plan_.query.primary_key);
    std::string select = strings::cat("SELECT ", pk);
    for (const std::string& column : columns_) select += ", " + quoted(column);
    select += strings::cat(" FROM ", quoted_table(plan_.query.table));
    while (!stopped_) {
      if (!attempt_is_current()) return;
      std::vector<SqlValue> params = plan_.query.filter_params;
      std::vector<std::string> conditions;
      if (!plan_.query.filter.empty()) conditions.push_back("(" + plan_.query.filter + ")");
      if (checkpoint) {
        params.emplace_back(checkpoint_value(*checkpoint));
        conditions.push_back(strings::cat(pk, " > $", params.size()));
      }
      if (range) {
        params.emplace_back(std::in_place_type<std::int64_t>, range->second.upto);
        conditions.push_back(strings::cat(pk, " <= $", params.size()));
      }
      std::string sql = select;
      if (!conditions.empty()) sql += " WHERE " + absl::StrJoin(conditions, " AND ");
      sql += strings::cat(" ORDER BY ", pk, " LIMIT ", plan_.chunk_size);

      bool more = attempt([&] {
        std::unique_ptr<RunSession> session = state_.database->begin_chunk_session();
        std::vector<MapperRow> rows;
        rows.reserve(std::min<std::int64_t>(plan_.chunk_size, 1 << 16));
        session->query_each(sql, params, [&](std::span<SqlValue> values) {
          rows.emplace_back(std::move(values.front()), &columns_,
                            SqlRow(std::make_move_iterator(values.begin() + 1),
                                   std::make_move_iterator(values.end())));
        });
        if (rows.empty()) return false;
        OperationContext ctx(key_, alias_, state_.params, *session);
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
          throw ChunkFailure(strings::cat("chunk ", plan_.query.primary_key, " ",
                                          rows.front().key_text(), "..", rows.back().key_text(),
                                          ": ", error));
        }
        const std::string last = rows.back().key_text();
        auto next = [&](const std::optional<std::string>& current) -> std::string {
          // The stored checkpoint must be where this chunk began. A chunk's commit does not
          // wait for the disk, so a database server that crashed and came back may have lost
          // the previous chunk with its checkpoint, while this process went on: carrying on
          // would skip that chunk's rows for good.
          std::optional<std::string> stored = current;
          std::vector<Range> all;
          if (range) {
            all = parse_ranges(current).value_or(std::vector<Range>{});
            stored.reset();
            if (range->first < all.size()) stored = std::to_string(all[range->first].last);
          }
          if (stored != checkpoint) {
            throw ChunkFailure(strings::cat(
                "the record's checkpoint is ", stored.value_or("none"), ", not ",
                checkpoint.value_or("none"),
                " where this chunk began: chunks committed earlier were lost (did the database "
                "restart?); resume to redo them"));
          }
          if (!range) return last;
          all[range->first].last = std::get<std::int64_t>(rows.back().key());
          return format_ranges(all);
        };
        if (!advance_progress(*session, key_, attempt_, static_cast<std::int64_t>(rows.size()),
                              next)) {
          stale();
          return false;
        }
        session->commit();
        checkpoint = last;
        const std::int64_t done = rows_done_.fetch_add(static_cast<std::int64_t>(rows.size())) +
                                  static_cast<std::int64_t>(rows.size());
        report_progress(
            {key_, alias_, state_.record.rows_done + done, state_.record.rows_total, done, false});
        return true;
      });
      if (!more) return;
    }
  }

  // The record still belongs to this attempt (through the record cache).
  bool attempt_is_current() {
    return attempt([&] {
      std::optional<MigrationRecord> record = record_cache().get(
          *state_.database, key_, state_.installation->config().record_cache_ttl);
      if (record && record->attempt_uuid == attempt_ &&
          record->status() == MigrationStatus::kRunning) {
        return true;
      }
      stale();
      return false;
    });
  }

  void finish() {
    attempt([&] {
      std::optional<MigrationRecord> current = state_.database->store().get(key_);
      if (!current || current->attempt_uuid != attempt_) {
        stale();
        return false;
      }
      // The last chunks' commits did not wait for the disk (see run_range): a database that
      // lost them since must not see the run marked APPLIED without their rows.
      const std::int64_t expected = state_.record.rows_done + rows_done_;
      if (current->rows_done != expected) {
        throw ChunkFailure(strings::cat(
            "the record counts ", current->rows_done, " rows done, not ", expected,
            ": chunks committed earlier were lost (did the database restart?); resume to redo "
            "them"));
      }
      MigrationRecord applied = *current;
      applied.is_applied = true;
      applied.applied_at = now_timestamp();
      if (!finish_record(state_.database->store(), applied)) {
        stale();
        return false;
      }
      record_cache().invalidate(alias_, key_);
      report_progress({key_, alias_, applied.rows_done, applied.rows_total, rows_done_, true});
      return true;
    });
  }

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

  void work() {
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

  // Stops every worker; the first failure is recorded once they are all done.
  void fail(const std::string& error) {
    if (stopped_.exchange(true)) return;
    failure_ = error;  // written once, by the thread that stopped the run; read after joins
  }

  void record_failure(const std::string& error) {
    const MigrationProgress progress{
        key_,       alias_, state_.record.rows_done + rows_done_, state_.record.rows_total,
        rows_done_, true};
    try {
      // The record as the workers left it, so that its progress and checkpoint are kept.
      std::optional<MigrationRecord> current = state_.database->store().get(key_);
      if (current && current->attempt_uuid == attempt_) {
        state_.record = *current;
        mark_errored(state_, error, strings::cat("failed: ", error));
      }
    } catch (const std::exception& e) {
      log(LogLevel::kError,
          strings::cat("migration ", where_, " failed (", error,
                       ") and its record could not be read to mark it ERRORED: ", e.what()));
    }
    record_cache().invalidate(alias_, key_);
    report_progress(progress);
  }

  void stale() {
    if (stopped_.exchange(true)) return;
    log(LogLevel::kWarning, strings::cat("migration ", where_, ": attempt ", attempt_,
                                         " was deleted or replaced; it stops without writing"));
  }

  struct ChunkFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

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

}  // namespace

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
