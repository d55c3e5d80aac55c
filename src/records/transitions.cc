#include "records/transitions.h"

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

std::optional<MigrationStatus> next_status(MigrationStatus from, RecordEvent event) {
  for (const Transition& t : kTransitions) {
    if (t.from == from && t.event == event) return t.to;
  }
  return std::nullopt;
}

MigrationStatus status_of(const std::optional<MigrationRecord>& record) {
  return record ? record->status() : MigrationStatus::kNotRun;
}

std::string state_hint(const MigrationRecord& record, std::string_view alias) {
  switch (record.status()) {
    case MigrationStatus::kApplied:
      return strings::cat("it is applied", record.was_faked ? " (faked)" : "",
                          "; delete its record to run it again");
    case MigrationStatus::kErrored:
      return strings::cat("it failed (", record.last_error, "); resume it to run it again (resume ",
                          record.key.str(), " --database ", alias, ")");
    default:
      // Records keep no owner yet (run control adds one); say so rather than guess.
      return strings::cat("it is running: attempt ", record.attempt_uuid, ", started ",
                          format_timestamp(record.initiated_at),
                          " by a process this record does not name (records keep no owner "
                          "yet); wait for it to finish, or if its process died, resume it "
                          "(resume ",
                          record.key.str(), " --database ", alias, ")");
  }
}

void start_record(RecordStore& store, const MigrationRecord& running, std::string_view alias) {
  // NOT_RUN is the only status a start may leave; the insert itself decides races.
  if (!store.insert_if_absent(running)) {
    // The loser learns what the winner's record shows (it may be gone again by now).
    std::optional<MigrationRecord> winner = store.get(running.key);
    throw MigrationAlreadyStarted(running.key.str(), std::string(alias),
                                  winner ? state_hint(*winner, alias) : std::string());
  }
}

bool finish_record(RecordStore& store, const MigrationRecord& applied) {
  return store.replace_if(applied, applied.attempt_uuid, MigrationStatus::kRunning);
}

bool fail_record(RecordStore& store, const MigrationRecord& errored) {
  return store.replace_if(errored, errored.attempt_uuid, MigrationStatus::kRunning);
}

void fake_record(RecordStore& store, const MigrationKey& key, std::string_view alias) {
  // Read, decide by the table, compare-and-set; a lost race re-reads and decides again.
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);
    const MigrationStatus from = status_of(current);
    if (!next_status(from, RecordEvent::kFake)) {
      throw MigrationAlreadyStarted(key.str(), std::string(alias), state_hint(*current, alias));
    }
    if (from == MigrationStatus::kApplied) return;
    const Timestamp now = now_timestamp();
    MigrationRecord faked{.key = key,
                          .attempt_uuid = new_attempt_uuid(),
                          .initiated_at = now,
                          .is_applied = true,
                          .applied_at = now,
                          .was_faked = true};
    if (from == MigrationStatus::kNotRun ? store.insert_if_absent(faked)
                                         : store.replace_if(faked, current->attempt_uuid, from)) {
      return;
    }
  }
}

bool delete_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                   bool force) {
  if (force) return store.remove(key);
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);  // InvalidRecord escapes
    if (!current) return false;
    const MigrationStatus from = current->status();
    if (!next_status(from, RecordEvent::kDelete)) {
      throw MigrationIsRunning(key.str(), std::string(alias), current->attempt_uuid,
                               state_hint(*current, alias));
    }
    // A record restarted since it was read is decided again.
    if (store.remove_if(key, current->attempt_uuid, from)) return true;
  }
}

MigrationRecord resume_record(RecordStore& store, const MigrationKey& key, std::string_view alias) {
  for (;;) {
    std::optional<MigrationRecord> current = store.get(key);
    const MigrationStatus from = status_of(current);
    if (from == MigrationStatus::kNotRun) {
      throw MigrationError(strings::cat("migration ", key.str(), " has no record on ", alias,
                                        " to resume; launch it instead"));
    }
    if (!next_status(from, RecordEvent::kResume)) {
      throw MigrationAlreadyStarted(key.str(), std::string(alias), state_hint(*current, alias));
    }
    MigrationRecord resumed = *current;
    resumed.attempt_uuid = new_attempt_uuid();
    resumed.initiated_at = now_timestamp();
    resumed.has_error = false;
    resumed.last_error.clear();
    if (store.replace_if(resumed, current->attempt_uuid, from)) return resumed;
  }
}

}  // namespace massmigration::internal
