#include "records/transitions.h"

#include <stdexcept>

#include "absl/time/time.h"
#include "massmigration/errors.h"
#include "records/audit.h"
#include "string_building.h"

namespace massmigration::internal {

std::string_view to_string(RecordEvent event) {
  switch (event) {
    case RecordEvent::kStart:
      return "start";
    case RecordEvent::kFinish:
      return "finish";
    case RecordEvent::kFail:
      return "fail";
    case RecordEvent::kFake:
      return "fake";
    case RecordEvent::kDelete:
      return "delete";
    case RecordEvent::kProgress:
      return "progress";
    case RecordEvent::kResume:
      return "resume";
    case RecordEvent::kPause:
      return "pause";
    case RecordEvent::kCancel:
      return "cancel";
    case RecordEvent::kStop:
      return "stop";
    case RecordEvent::kTune:
      return "tune";
  }
  return "unknown";
}

namespace {

// Throws std::logic_error unless the table takes `from` by `event` to `to`.
void require_transition(MigrationStatus from, RecordEvent event, MigrationStatus to) {
  const std::optional<MigrationStatus> allowed = next_status(from, event);
  if (allowed == to) return;
  throw std::logic_error(
      strings::cat("record write refused: the record lifecycle does not take a ", to_string(from),
                   " record to ", to_string(to), " by ", to_string(event),
                   allowed ? strings::cat(" (it leads to ", to_string(*allowed), ")")
                           : std::string(" (it forbids that event there)")));
}

// The attempt's own record is RUNNING while its run writes it.
constexpr MigrationStatus kRunnersStatus = MigrationStatus::kRunning;
static_assert(next_status(kRunnersStatus, RecordEvent::kProgress) == kRunnersStatus,
              "a chunk's progress keeps its record RUNNING (advance_record assumes it)");

}  // namespace

MigrationStatus status_of(const std::optional<MigrationRecord>& record,
                          std::chrono::milliseconds lease) {
  return record ? record->shown_status(lease) : MigrationStatus::kNotRun;
}

namespace {

std::string duration_text(std::chrono::microseconds duration) {
  return absl::FormatDuration(absl::Trunc(absl::FromChrono(duration), absl::Milliseconds(1)));
}

std::string owner_text(const MigrationRecord& record) {
  return record.owner.empty() ? "a process the record does not name" : record.owner;
}

// "2026-11-30T04:10:00.123000Z (12s ago)", by the database's clock.
std::string last_seen(const MigrationRecord& record) {
  const Timestamp seen = record.heartbeat_at.value_or(record.initiated_at);
  std::string text = format_timestamp(seen);
  if (record.read_at) strings::append(text, " (", duration_text(*record.read_at - seen), " ago)");
  return text;
}

}  // namespace

std::string state_hint(const MigrationRecord& record, std::string_view alias,
                       std::chrono::milliseconds lease) {
  const std::string resume = strings::cat("resume ", record.key.str(), " --database ", alias);
  switch (record.shown_status(lease)) {
    case MigrationStatus::kApplied:
      return strings::cat("it is applied", record.was_faked ? " (faked)" : "",
                          "; delete its record to run it again");
    case MigrationStatus::kErrored:
      return strings::cat("it failed (", record.last_error, "); resume it to run it again (",
                          resume, ")");
    case MigrationStatus::kStalled:
      return strings::cat("it stalled: attempt ", record.attempt_uuid, " by ", owner_text(record),
                          " was last seen ", last_seen(record), ", longer ago than the ",
                          duration_text(lease), " lease, so its process died or hangs; resume it (",
                          resume, ")");
    case MigrationStatus::kPausing:
    case MigrationStatus::kCancelling:
      return strings::cat(
          "it was asked to ", record.status() == MigrationStatus::kPausing ? "pause" : "cancel",
          ": attempt ", record.attempt_uuid, " by ", owner_text(record), ", last seen ",
          last_seen(record), ", stops after its current chunk; wait for that");
    case MigrationStatus::kPaused:
      return strings::cat("it is paused after ", record.rows_done, " rows; resume it (", resume,
                          ") or cancel it");
    case MigrationStatus::kCancelled:
      return strings::cat(
          "it was cancelled after ", record.rows_done, " rows",
          record.last_error.empty() ? "" : " (it failed meanwhile: ", record.last_error,
          record.last_error.empty() ? "" : ")", "; delete its record to run it afresh");
    default:
      return strings::cat("it is running: attempt ", record.attempt_uuid, ", started ",
                          format_timestamp(record.initiated_at), " by ", owner_text(record),
                          ", last seen ", last_seen(record),
                          "; wait for it to finish (a run not seen for the ", duration_text(lease),
                          " lease shows STALLED, and may then be resumed)");
  }
}

void start_record(RecordStore& store, const MigrationRecord& running, std::string_view alias,
                  std::chrono::milliseconds lease, const std::string& actor) {
  // NOT_RUN is the only status a start may leave; the insert itself decides races.
  require_transition(MigrationStatus::kNotRun, RecordEvent::kStart, running.status());
  if (!store.insert_if_absent(running)) {
    // The loser learns what the winner's record shows (it may be gone again by now).
    std::optional<MigrationRecord> winner = store.get(running.key);
    throw MigrationAlreadyStarted(running.key.str(), std::string(alias),
                                  winner ? state_hint(*winner, alias, lease) : std::string());
  }
  record_event(store, {.key = running.key,
                       .alias = std::string(alias),
                       .attempt_uuid = running.attempt_uuid,
                       .action = "launch",
                       .actor = actor.empty() ? running.owner : actor});
}

bool finish_record(RecordStore& store, const MigrationRecord& applied) {
  require_transition(kRunnersStatus, RecordEvent::kFinish, applied.status());
  return store.replace_if(applied, applied.attempt_uuid, kRunnersStatus);
}

bool fail_record(RecordStore& store, const MigrationRecord& errored) {
  require_transition(kRunnersStatus, RecordEvent::kFail, errored.status());
  return store.replace_if(errored, errored.attempt_uuid, kRunnersStatus);
}

bool finish_record(RunSession& session, const MigrationRecord& applied) {
  require_transition(kRunnersStatus, RecordEvent::kFinish, applied.status());
  return session.replace_record_if(applied, applied.attempt_uuid, kRunnersStatus);
}

bool record_progress(RunSession& session, const MigrationRecord& running) {
  require_transition(kRunnersStatus, RecordEvent::kProgress, running.status());
  return session.replace_record_if(running, running.attempt_uuid, kRunnersStatus);
}

std::optional<RecordedChunk> advance_progress(
    RunSession& session, const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
    const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint) {
  return session.advance_record(key, attempt_uuid, rows, next_checkpoint);
}

void fake_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                 std::chrono::milliseconds lease, const std::string& actor) {
  // Read, decide by the table, compare-and-set; a lost race re-reads and decides again.
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);
    const MigrationStatus from = status_of(current, lease);
    if (!next_status(from, RecordEvent::kFake)) {
      throw MigrationAlreadyStarted(key.str(), std::string(alias),
                                    state_hint(*current, alias, lease));
    }
    if (from == MigrationStatus::kApplied) return;
    const Timestamp now = now_timestamp();
    MigrationRecord faked{.key = key,
                          .attempt_uuid = new_attempt_uuid(),
                          .initiated_at = now,
                          .is_applied = true,
                          .applied_at = now,
                          .was_faked = true};
    require_transition(from, RecordEvent::kFake, faked.status());
    if (from == MigrationStatus::kNotRun ? store.insert_if_absent(faked)
                                         : store.replace_if(faked, current->attempt_uuid, from)) {
      record_event(store, {.key = key,
                           .alias = std::string(alias),
                           .attempt_uuid = faked.attempt_uuid,
                           .action = "fake",
                           .actor = actor});
      return;
    }
  }
}

bool delete_record(RecordStore& store, const MigrationKey& key, std::string_view alias, bool force,
                   std::chrono::milliseconds lease, const std::string& actor) {
  MigrationEvent deleted{
      .key = key, .alias = std::string(alias), .action = "delete", .actor = actor};
  if (force) {
    // What was there, for the trail; a record that cannot be read is deleted all the same.
    std::optional<MigrationRecord> current;
    try {
      current = store.get(key);
    } catch (const MigrationError& e) {
      deleted.detail = strings::cat("forced, over an unreadable record: ", e.what());
    }
    if (current) {
      deleted.attempt_uuid = current->attempt_uuid;
      deleted.detail =
          strings::cat("forced, over a ", to_string(current->shown_status(lease)), " record");
    }
    const bool removed = store.remove(key);
    if (removed) record_event(store, deleted);
    return removed;
  }
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);  // InvalidRecord escapes
    if (!current) return false;
    const MigrationStatus from = current->shown_status(lease);
    if (!next_status(from, RecordEvent::kDelete)) {
      throw MigrationIsRunning(key.str(), std::string(alias), current->attempt_uuid,
                               state_hint(*current, alias, lease));
    }
    // A record restarted since it was read is decided again.
    if (store.remove_if(key, current->attempt_uuid, current->status())) {
      deleted.attempt_uuid = current->attempt_uuid;
      record_event(store, deleted);
      return true;
    }
  }
}

namespace {

// Stops the live attempt `live` as read (stored RUNNING, PAUSING or CANCELLING): PAUSED, or
// CANCELLED when it was being cancelled. Its chunks commit nothing after this. The status
// written, or nullopt when the record changed since it was read.
std::optional<MigrationStatus> stop_attempt(RecordStore& store, const MigrationRecord& live) {
  const MigrationStatus from = live.status();
  const MigrationStatus to =
      from == MigrationStatus::kCancelling ? MigrationStatus::kCancelled : MigrationStatus::kPaused;
  require_transition(from, RecordEvent::kStop, to);
  if (!store.control_run(live.key, live.attempt_uuid, from, to, {})) return std::nullopt;
  return to;
}

}  // namespace

MigrationRecord resume_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                              std::chrono::milliseconds lease, const std::string& actor) {
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);
    const MigrationStatus from = status_of(current, lease);
    if (from == MigrationStatus::kNotRun) {
      throw MigrationError(strings::cat("migration ", key.str(), " has no record on ", alias,
                                        " to resume; launch it instead"));
    }
    if (!next_status(from, RecordEvent::kResume)) {
      if (from == MigrationStatus::kRunning || from == MigrationStatus::kApplied) {
        throw MigrationAlreadyStarted(key.str(), std::string(alias),
                                      state_hint(*current, alias, lease));
      }
      throw ActionNotAllowed(key.str(), std::string(alias), "resume", std::string(to_string(from)),
                             state_hint(*current, alias, lease));
    }
    if (from == MigrationStatus::kStalled) {
      // Fence the stalled attempt before taking over: stopped, its chunks commit nothing more
      // should it wake, so the progress read next is final. Taking over at once could write
      // back a checkpoint that a chunk committing meanwhile had already passed. A run that was
      // being cancelled stays cancelled.
      stop_attempt(store, *current);
      continue;  // decided again on what the record says now
    }
    MigrationRecord resumed = *current;
    resumed.attempt_uuid = new_attempt_uuid();
    resumed.initiated_at = now_timestamp();
    resumed.has_error = false;
    resumed.last_error.clear();
    resumed.owner = this_process_owner();
    resumed.run_status = MigrationStatus::kRunning;
    resumed.rows_done_at_start = current->rows_done;
    require_transition(from, RecordEvent::kResume, resumed.status());
    // PAUSED or ERRORED: no run writes to it, so what was read is what is there.
    if (store.replace_if(resumed, current->attempt_uuid, current->status())) {
      record_event(store, {.key = key,
                           .alias = std::string(alias),
                           .attempt_uuid = resumed.attempt_uuid,
                           .action = "resume",
                           .actor = actor,
                           .detail = strings::cat("from ", to_string(from), " attempt ",
                                                  current->attempt_uuid, " at ", current->rows_done,
                                                  " rows")});
      return resumed;
    }
  }
}

namespace {

std::string tuning_text(const RunTuning& tuning) {
  std::string text;
  if (tuning.chunk_size) strings::append(text, "chunk size ", *tuning.chunk_size);
  if (tuning.pause_ms) {
    strings::append(text, text.empty() ? "" : ", ", "pause ", *tuning.pause_ms, " ms");
  }
  return text;
}

}  // namespace

MigrationStatus control_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                               std::chrono::milliseconds lease, RecordEvent event,
                               const RunTuning& tuning, const std::string& actor) {
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);
    const MigrationStatus from = status_of(current, lease);
    const std::optional<MigrationStatus> to = next_status(from, event);
    if (!to) {
      throw ActionNotAllowed(
          key.str(), std::string(alias), std::string(to_string(event)),
          std::string(to_string(from)),
          current ? state_hint(*current, alias, lease) : std::string("it has no record"));
    }
    // Asked again: nothing to write.
    if (*to == from && event != RecordEvent::kTune) return from;
    // A stalled run that was being cancelled is cancelled, not paused.
    if (from == MigrationStatus::kStalled && current->status() == MigrationStatus::kCancelling &&
        event == RecordEvent::kPause) {
      throw ActionNotAllowed(key.str(), std::string(alias), "pause", std::string(to_string(from)),
                             "it was being cancelled when it stalled; cancel it");
    }
    // Stored statuses: a stalled record stays as it is stored when tuned.
    const MigrationStatus stored_from = current->status();
    const MigrationStatus stored_to = *to == MigrationStatus::kStalled ? stored_from : *to;
    if (store.control_run(key, current->attempt_uuid, stored_from, stored_to, tuning)) {
      record_event(store,
                   {.key = key,
                    .alias = std::string(alias),
                    .attempt_uuid = current->attempt_uuid,
                    .action = std::string(to_string(event)),
                    .actor = actor,
                    .detail = event == RecordEvent::kTune
                                  ? tuning_text(tuning)
                                  : strings::cat("from ", to_string(from), " to ", to_string(*to),
                                                 " at ", current->rows_done, " rows")});
      return *to;
    }
  }
}

std::optional<MigrationStatus> stop_own_run(RecordStore& store, const MigrationKey& key,
                                            std::string_view alias, std::string_view attempt_uuid,
                                            const std::string& why, const std::string& actor) {
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);
    if (!current || current->attempt_uuid != attempt_uuid || !current->is_live()) {
      return std::nullopt;
    }
    if (std::optional<MigrationStatus> to = stop_attempt(store, *current)) {
      record_event(store, {.key = key,
                           .alias = std::string(alias),
                           .attempt_uuid = std::string(attempt_uuid),
                           .action = *to == MigrationStatus::kPaused ? "paused" : "cancelled",
                           .actor = actor.empty() ? current->owner : actor,
                           .detail = strings::cat(why, ", at ", current->rows_done, " rows")});
      return to;
    }
  }
}

}  // namespace massmigration::internal
