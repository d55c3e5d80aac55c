#include "records/transitions.h"

#include <stdexcept>

#include "absl/time/time.h"
#include "massmigration/errors.h"
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
    default:
      return strings::cat("it is running: attempt ", record.attempt_uuid, ", started ",
                          format_timestamp(record.initiated_at), " by ", owner_text(record),
                          ", last seen ", last_seen(record),
                          "; wait for it to finish (a run not seen for the ", duration_text(lease),
                          " lease shows STALLED, and may then be resumed)");
  }
}

void start_record(RecordStore& store, const MigrationRecord& running, std::string_view alias,
                  std::chrono::milliseconds lease) {
  // NOT_RUN is the only status a start may leave; the insert itself decides races.
  require_transition(MigrationStatus::kNotRun, RecordEvent::kStart, running.status());
  if (!store.insert_if_absent(running)) {
    // The loser learns what the winner's record shows (it may be gone again by now).
    std::optional<MigrationRecord> winner = store.get(running.key);
    throw MigrationAlreadyStarted(running.key.str(), std::string(alias),
                                  winner ? state_hint(*winner, alias, lease) : std::string());
  }
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

bool advance_progress(
    RunSession& session, const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
    const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint) {
  return session.advance_record(key, attempt_uuid, rows, next_checkpoint);
}

void fake_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                 std::chrono::milliseconds lease) {
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
      return;
    }
  }
}

bool delete_record(RecordStore& store, const MigrationKey& key, std::string_view alias, bool force,
                   std::chrono::milliseconds lease) {
  if (force) return store.remove(key);
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);  // InvalidRecord escapes
    if (!current) return false;
    const MigrationStatus from = current->shown_status(lease);
    if (!next_status(from, RecordEvent::kDelete)) {
      throw MigrationIsRunning(key.str(), std::string(alias), current->attempt_uuid,
                               state_hint(*current, alias, lease));
    }
    // A record restarted since it was read is decided again.
    if (store.remove_if(key, current->attempt_uuid, current->status())) return true;
  }
}

MigrationRecord resume_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                              std::chrono::milliseconds lease) {
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);
    const MigrationStatus from = status_of(current, lease);
    if (from == MigrationStatus::kNotRun) {
      throw MigrationError(strings::cat("migration ", key.str(), " has no record on ", alias,
                                        " to resume; launch it instead"));
    }
    if (!next_status(from, RecordEvent::kResume)) {
      throw MigrationAlreadyStarted(key.str(), std::string(alias),
                                    state_hint(*current, alias, lease));
    }
    MigrationRecord resumed = *current;
    resumed.attempt_uuid = new_attempt_uuid();
    resumed.initiated_at = now_timestamp();
    resumed.has_error = false;
    resumed.last_error.clear();
    resumed.owner = this_process_owner();
    require_transition(from, RecordEvent::kResume, resumed.status());
    // Compared with what is stored: a stalled record says RUNNING.
    if (store.replace_if(resumed, current->attempt_uuid, current->status())) return resumed;
  }
}

}  // namespace massmigration::internal
