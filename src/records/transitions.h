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

// kProgress: a chunk's commit, which stops a run asked to pause or cancel (advance_record).
// kStop: a run stops by itself between chunks, as its process was asked (stop_own_run).
enum class RecordEvent {
  kStart,
  kFinish,
  kFail,
  kFake,
  kDelete,
  kProgress,
  kResume,
  kPause,
  kCancel,
  kStop,
  kTune
};

std::string_view to_string(RecordEvent event);

struct Transition {
  MigrationStatus from;
  RecordEvent event;
  MigrationStatus to;
};

// Every allowed transition, from the status a record shows (STALLED is a live record whose
// heartbeat is older than the lease); any (status, event) pair not listed is forbidden. A
// record whose run may go on (live, stalled or paused) is not deleted: a fresh run would redo
// its work (a forced delete overrides this table by definition). A live record is not
// resumed: that would run its work twice at once. A run asked to pause or cancel stops after
// its current chunk; one that stalled cannot, so the request takes effect at once.
inline constexpr Transition kTransitions[] = {
    {MigrationStatus::kNotRun, RecordEvent::kStart, MigrationStatus::kRunning},
    {MigrationStatus::kNotRun, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kNotRun, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kRunning, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kRunning, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kRunning, RecordEvent::kProgress, MigrationStatus::kRunning},
    {MigrationStatus::kRunning, RecordEvent::kPause, MigrationStatus::kPausing},
    {MigrationStatus::kRunning, RecordEvent::kCancel, MigrationStatus::kCancelling},
    {MigrationStatus::kRunning, RecordEvent::kTune, MigrationStatus::kRunning},
    {MigrationStatus::kRunning, RecordEvent::kStop, MigrationStatus::kPaused},
    // A run whose process died or hangs is taken over by a new attempt; should the old one
    // wake, its chunks fail their attempt check and change nothing.
    {MigrationStatus::kStalled, RecordEvent::kResume, MigrationStatus::kRunning},
    // Until then, a run that was only slow may wake and go on as its own record allows.
    {MigrationStatus::kStalled, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kStalled, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kStalled, RecordEvent::kProgress, MigrationStatus::kRunning},
    {MigrationStatus::kStalled, RecordEvent::kPause, MigrationStatus::kPaused},
    {MigrationStatus::kStalled, RecordEvent::kCancel, MigrationStatus::kCancelled},
    {MigrationStatus::kStalled, RecordEvent::kTune, MigrationStatus::kStalled},
    {MigrationStatus::kStalled, RecordEvent::kStop, MigrationStatus::kPaused},
    // A pause or cancel request holds until the run's next chunk commits, or its last.
    {MigrationStatus::kPausing, RecordEvent::kPause, MigrationStatus::kPausing},
    {MigrationStatus::kPausing, RecordEvent::kCancel, MigrationStatus::kCancelling},
    {MigrationStatus::kPausing, RecordEvent::kTune, MigrationStatus::kPausing},
    {MigrationStatus::kPausing, RecordEvent::kProgress, MigrationStatus::kPaused},
    {MigrationStatus::kPausing, RecordEvent::kStop, MigrationStatus::kPaused},
    {MigrationStatus::kPausing, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kPausing, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kPaused, RecordEvent::kPause, MigrationStatus::kPaused},
    {MigrationStatus::kPaused, RecordEvent::kCancel, MigrationStatus::kCancelled},
    {MigrationStatus::kPaused, RecordEvent::kTune, MigrationStatus::kPaused},
    {MigrationStatus::kPaused, RecordEvent::kResume, MigrationStatus::kRunning},
    {MigrationStatus::kCancelling, RecordEvent::kCancel, MigrationStatus::kCancelling},
    {MigrationStatus::kCancelling, RecordEvent::kProgress, MigrationStatus::kCancelled},
    {MigrationStatus::kCancelling, RecordEvent::kStop, MigrationStatus::kCancelled},
    // Its work all done before it could stop: the migration is applied after all.
    {MigrationStatus::kCancelling, RecordEvent::kFinish, MigrationStatus::kApplied},
    // Failed while being cancelled: cancelled, as asked, and not to be resumed as ERRORED.
    {MigrationStatus::kCancelling, RecordEvent::kFail, MigrationStatus::kCancelled},
    // Cancelling is final for that attempt; a fresh run starts from a deleted record.
    {MigrationStatus::kCancelled, RecordEvent::kCancel, MigrationStatus::kCancelled},
    {MigrationStatus::kCancelled, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kCancelled, RecordEvent::kFake, MigrationStatus::kApplied},
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
                  std::chrono::milliseconds lease, const std::string& actor = {});

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
// next_checkpoint(current checkpoint), only while the record is live with attempt
// `attempt_uuid`, stopping a run that was asked to (see RunSession::advance_record). nullopt
// when the attempt is stale or stopped.
std::optional<RecordedChunk> advance_progress(
    RunSession& session, const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
    const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint);

// The operator's actions below write their event into the audit trail, by `actor`
// (this_process_owner() when empty).

// Fake: APPLIED with was_faked, from NOT_RUN, ERRORED or CANCELLED; nothing changes when
// APPLIED. Throws MigrationAlreadyStarted while its run may go on (live, stalled, paused).
void fake_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                 std::chrono::milliseconds lease, const std::string& actor = {});

// Delete, as the table allows, deciding on the record it read (compare and delete): throws
// MigrationIsRunning for a record whose run may go on and InvalidRecord for an invalid row.
// `force` deletes whatever is there. True when there was a record.
bool delete_record(RecordStore& store, const MigrationKey& key, std::string_view alias, bool force,
                   std::chrono::milliseconds lease, const std::string& actor = {});

// Resume: a new attempt of a PAUSED, ERRORED or STALLED record, owned by this process,
// keeping its progress, checkpoint and tuning. A stalled attempt is first stopped (PAUSED, or
// CANCELLED when it was being cancelled, which is then refused), so that nothing it might
// still commit is lost or redone. Returns the new RUNNING record. Throws
// MigrationAlreadyStarted from APPLIED and from a live RUNNING record (naming its owner and
// last heartbeat), ActionNotAllowed from PAUSING, CANCELLING and CANCELLED, and MigrationError
// when there is no record to resume.
MigrationRecord resume_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                              std::chrono::milliseconds lease, const std::string& actor = {});

// Pause, cancel or tune a run (`event` kPause, kCancel or kTune), as the table allows on what
// the record shows, writing only the run's status and tuning (control_run), so that a chunk
// committing meanwhile loses nothing. A live run is asked to stop after its current chunk; a
// stalled one is stopped at once. Returns the status the record shows after it. Throws
// ActionNotAllowed when the status does not allow the event (NOT_RUN included).
MigrationStatus control_record(RecordStore& store, const MigrationKey& key, std::string_view alias,
                               std::chrono::milliseconds lease, RecordEvent event,
                               const RunTuning& tuning = {}, const std::string& actor = {});

// A run of this process that was asked to stop locally (api::stop_local_runs) stops between
// chunks: its live record of attempt `attempt_uuid` becomes PAUSED, or CANCELLED when it was
// being cancelled, with an event by `actor` (its owner when empty) saying `why`. Returns that
// status, or nullopt when the attempt is stale or no longer live.
std::optional<MigrationStatus> stop_own_run(RecordStore& store, const MigrationKey& key,
                                            std::string_view alias, std::string_view attempt_uuid,
                                            const std::string& why, const std::string& actor = {});

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RECORDS_TRANSITIONS_H_
