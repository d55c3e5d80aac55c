// Internal: the record lifecycle as one table, and the record operations that follow it on a
// store with compare-and-set, so that concurrent processes cannot take a record through a
// transition the table forbids. Not API.
#ifndef MASSMIGRATION_SRC_RECORDS_TRANSITIONS_H_
#define MASSMIGRATION_SRC_RECORDS_TRANSITIONS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "massmigration/record.h"
#include "massmigration/record_store.h"

namespace massmigration::internal {

enum class RecordEvent { kStart, kFinish, kFail, kFake, kDelete, kProgress, kResume };

std::string_view to_string(RecordEvent event);

struct Transition {
  MigrationStatus from;
  RecordEvent event;
  MigrationStatus to;
};

// Every allowed transition, from the status a record shows (STALLED is a RUNNING record whose
// heartbeat is older than the lease); any (status, event) pair not listed is forbidden. A
// RUNNING or STALLED record is not deleted: its run may go on, and a fresh run would redo its
// work (a forced delete overrides this table by definition). A live RUNNING record is not
// resumed: that would run its work twice at once.
inline constexpr Transition kTransitions[] = {
    {MigrationStatus::kNotRun, RecordEvent::kStart, MigrationStatus::kRunning},
    {MigrationStatus::kNotRun, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kNotRun, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kRunning, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kRunning, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kRunning, RecordEvent::kProgress, MigrationStatus::kRunning},
    // A run whose process died or hangs is taken over by a new attempt; should the old one
    // wake, its chunks fail their attempt check and change nothing.
    {MigrationStatus::kStalled, RecordEvent::kResume, MigrationStatus::kRunning},
    // Until then, a run that was only slow may wake and go on as its own record allows.
    {MigrationStatus::kStalled, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kStalled, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kStalled, RecordEvent::kProgress, MigrationStatus::kRunning},
    {MigrationStatus::kApplied, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kApplied, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kErrored, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kErrored, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kErrored, RecordEvent::kResume, MigrationStatus::kRunning},
};

// The status after `event`, or nullopt when the table forbids it.
constexpr std::optional<MigrationStatus> next_status(MigrationStatus from, RecordEvent event) {
  for (const Transition& t : kTransitions) {
    if (t.from == from && t.event == event) return t.to;
  }
  return std::nullopt;
}

// Every write below first checks its (from, event) against the table and that `record` shows
// the status the table leads to: a write the table does not allow throws std::logic_error (a
// runner's bug) before anything is written. The store then compares and sets, so a record
// whose status or attempt changed meanwhile is left as it is.

// The status a record shows (kNotRun for none), STALLED after `lease` without a heartbeat.
MigrationStatus status_of(const std::optional<MigrationRecord>& record,
                          std::chrono::milliseconds lease);

// What a record shows and what to do about it, for refusals: a RUNNING or STALLED record names
// its attempt, start, owner and last heartbeat, and advises waiting for a live run and
// resuming a stalled one.
std::string state_hint(const MigrationRecord& record, std::string_view alias,
                       std::chrono::milliseconds lease);

// Start: creates `running` (status RUNNING). Throws MigrationAlreadyStarted when a record
// exists.
void start_record(RecordStore& store, const MigrationRecord& running, std::string_view alias,
                  std::chrono::milliseconds lease);

// Finish or fail `outcome`'s attempt: only from RUNNING with the same attempt. False when the
// attempt is stale (deleted or replaced meanwhile).
bool finish_record(RecordStore& store, const MigrationRecord& applied);
bool fail_record(RecordStore& store, const MigrationRecord& errored);

// The same writes inside a run's transaction, which commit with the run's data change or not
// at all; `session` is a transaction on the record's database.
//
// Finish: APPLIED, only from RUNNING with the same attempt. False when the attempt is stale.
bool finish_record(RunSession& session, const MigrationRecord& applied);
// Progress that leaves the record RUNNING (a mapper's row count, its key ranges): overwrites
// it only while it is RUNNING with the same attempt. False when the attempt is stale.
bool record_progress(RunSession& session, const MigrationRecord& running);
// A chunk's progress: adds `rows` to rows_done and sets the checkpoint to
// next_checkpoint(current checkpoint), only while the record is RUNNING with attempt
// `attempt_uuid` (see RunSession::advance_record). False when the attempt is stale.
bool advance_progress(
    RunSession& session, const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
    const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint);

// Fake: APPLIED with was_faked, from NOT_RUN or ERRORED; nothing changes when APPLIED. Throws
// MigrationAlreadyStarted while RUNNING or STALLED.
void fake_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                 std::chrono::milliseconds lease);

// Delete, as the table allows, deciding on the record it read (compare and delete): throws
// MigrationIsRunning for a RUNNING or STALLED record and InvalidRecord for an invalid row.
// `force` deletes whatever is there. True when there was a record.
bool delete_record(RecordStore& store, const MigrationKey& key, std::string_view alias, bool force,
                   std::chrono::milliseconds lease);

// Resume: a new attempt of an ERRORED or STALLED record, owned by this process, keeping its
// progress and checkpoint. Returns the new RUNNING record. Throws MigrationAlreadyStarted from
// APPLIED and from a live RUNNING record (naming its owner and last heartbeat), and
// MigrationError when there is no record to resume.
MigrationRecord resume_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                              std::chrono::milliseconds lease);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RECORDS_TRANSITIONS_H_
