// The record store seam: how massmigration reads and writes `massmigration_record` rows on one
// database, and the registry of database drivers by URL scheme. The SQLite driver ("sqlite")
// comes with massmigration::massmigration; others register themselves when linked.
//
// Implementers: every RecordStore method may be called concurrently from many threads; lock
// inside. Throw RecordStoreError (keeping the driver's message) when the database cannot
// answer; never report "not applied" for "could not ask". A store may connect lazily and must
// reconnect after a failure rather than stay broken.
#ifndef MASSMIGRATION_RECORD_STORE_H_
#define MASSMIGRATION_RECORD_STORE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/key.h"
#include "massmigration/record.h"
#include "massmigration/record_row.h"
#include "massmigration/sql.h"

namespace massmigration {

// What a chunk's commit wrote into its run's record: the run's status after it (RUNNING, or
// PAUSED or CANCELLED when it was asked to stop) and the tuning for its next chunks.
struct RecordedChunk {
  MigrationStatus status = MigrationStatus::kRunning;
  RunTuning tuning{};
  std::int64_t rows_done = 0;                // the run's, this chunk's included
  std::optional<std::int64_t> rows_total{};  // raised to rows_done when rows were added
};

// How many chunks a run on the `workers` backend has (see RunSession::count_chunks).
struct ChunkCounts {
  std::int64_t total = 0;
  std::int64_t unfinished = 0;
  std::int64_t in_flight = 0;
  friend bool operator==(const ChunkCounts&, const ChunkCounts&) = default;
};

// One chunk of a run on the `workers` backend: the rows whose key is above `after` and at most
// `upto`, keys written as checkpoints are; an unset bound is open (the first chunk starts at
// the first row, the last one takes every row after its start, also rows added later).
struct ChunkRange {
  std::optional<std::string> after{};
  std::optional<std::string> upto{};
  friend bool operator==(const ChunkRange&, const ChunkRange&) = default;
};

// A chunk a worker claimed: its work commits only while `claim` is still the chunk's claim
// (RunSession::complete_chunk), so that a chunk claimed again after a lapsed lease takes
// effect once.
struct ClaimedChunk {
  std::int64_t id = 0;
  MigrationKey key;
  std::string attempt_uuid{};  // of the run's record when claimed
  ChunkRange range{};
  std::string claim{};
  int failures = 0;  // how often its work failed before, in this attempt of its run
};

// Who claims a worker's next chunk, and for how long (RunSession::complete_and_claim_next).
struct NextClaim {
  std::string worker;
  std::string claim;
  std::chrono::milliseconds lease{};
};

// A chunk marked done, and the worker's next chunk when it asked for one
// (RunSession::complete_and_claim_next).
struct CompletedChunk {
  std::int64_t others_open = 0;  // other chunks of its run not done
  std::optional<ClaimedChunk> next{};
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Reads validate every column (read_stored_record): an invalid row throws InvalidRecord,
  // never reads as a record, and never lets a guard through.
  //
  // True when a record exists and is applied. The guards' point read.
  virtual bool is_applied(const MigrationKey& key) = 0;
  virtual std::optional<MigrationRecord> get(const MigrationKey& key) = 0;
  // Every row: the valid records, and the invalid rows apart, so that one bad row does not
  // hide the others.
  virtual RecordListing list() = 0;
  // Creates the record unless one exists for its key; true when this call created it. Of any
  // number of concurrent callers (threads or processes) exactly one gets true.
  virtual bool insert_if_absent(const MigrationRecord& record) = 0;
  // Overwrites the record for record.key only while it belongs to attempt `attempt_uuid` and
  // has stored status `status` (compare and set); true when it did. Stale work from a deleted
  // or replaced attempt changes nothing. A run's own writes expect RUNNING: that also matches
  // a record whose run was asked to pause or cancel meanwhile (PAUSING, CANCELLING), and the
  // request stays unless the write applies or fails the record; a failure written over a
  // CANCELLING record leaves it CANCELLED (has_error 0, its last_error kept), as the cancel
  // asked. The tuning is never written here (see control_run). REQUIRES: `status` is not
  // kNotRun.
  virtual bool replace_if(const MigrationRecord& record, std::string_view attempt_uuid,
                          MigrationStatus status) = 0;
  // Run control: moves the record of attempt `attempt_uuid` from stored status `from` to `to`
  // (each RUNNING, PAUSING, PAUSED, CANCELLING or CANCELLED) and sets the tuning values given
  // in `tuning`, keeping the others, and writes nothing else, so that a chunk committing
  // meanwhile loses nothing; true when it did.
  virtual bool control_run(const MigrationKey& key, std::string_view attempt_uuid,
                           MigrationStatus from, MigrationStatus to, const RunTuning& tuning) = 0;
  // Sets heartbeat_at to the database's clock while the record belongs to attempt
  // `attempt_uuid` and is live (RUNNING, PAUSING or CANCELLING); true when it did, false when the
  // attempt is stale. Also, every write of a RUNNING record (insert_if_absent, replace_if,
  // RunSession::advance_record) sets heartbeat_at so; other writes keep it. Reads set
  // MigrationRecord::read_at to the database's clock.
  virtual bool heartbeat(const MigrationKey& key, std::string_view attempt_uuid) = 0;
  // Deletes the record; true when one existed.
  virtual bool remove(const MigrationKey& key) = 0;
  // Appends `event` to the audit trail, `at` by the database's clock (event.at is ignored).
  virtual void record_event(const MigrationEvent& event) = 0;
  // The audit trail of `key`, oldest first; empty when there is none.
  virtual std::vector<MigrationEvent> events(const MigrationKey& key) = 0;
  // Deletes the record only while it belongs to attempt `attempt_uuid` and has status
  // `status` (compare and delete); true when it did. REQUIRES: `status` is not kNotRun.
  virtual bool remove_if(const MigrationKey& key, std::string_view attempt_uuid,
                         MigrationStatus status) = 0;
};

// A migration run's transaction: SQL, as the run's migration sees it, plus the run's own record
// writes, which commit together with the data change or not at all. Runners write records
// through the record lifecycle only; migrations see just the SqlSession. Every method throws
// DatabaseError on failure.
class RunSession : public SqlSession {
 public:
  // RecordStore::replace_if inside this transaction.
  virtual bool replace_record_if(const MigrationRecord& record, std::string_view attempt_uuid,
                                 MigrationStatus status) = 0;
  // A running mapper's progress inside this transaction: adds `rows` to rows_done and sets the
  // checkpoint to next_checkpoint(current checkpoint), only while the record belongs to
  // attempt `attempt_uuid` and is live (the row is locked until commit, so concurrent workers
  // take turns). A run asked to pause or cancel stops with this chunk: PAUSING becomes
  // PAUSED and CANCELLING becomes CANCELLED in the same write. nullopt when the attempt is
  // stale or already stopped.
  virtual std::optional<RecordedChunk> advance_record(
      const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
      const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint) = 0;

  // The chunk queue of the `workers` backend, in table `massmigration_chunk` of this database.
  // The defaults throw DatabaseError (the driver keeps no queue), or count no chunks.
  //
  // RecordStore::insert_if_absent inside this transaction, so that a run's record and its
  // chunks are created together.
  virtual bool insert_record_if_absent(const MigrationRecord& record);
  // Replaces the chunks of `key` with `ranges`, unclaimed, in this order.
  virtual void replace_chunks(const MigrationKey& key, const std::vector<ChunkRange>& ranges);
  // Claims the first unfinished chunk, in order, that no live claim holds (none, or one whose
  // lease ran out by the database's clock) and whose run's record is RUNNING, for `lease`
  // from now by the database's clock, under the new claim `claim`; nullopt when there is none.
  // Concurrent claims never get the same chunk while its claim lives.
  virtual std::optional<ClaimedChunk> claim_chunk(std::string_view worker, std::string_view claim,
                                                  std::chrono::milliseconds lease);
  // While `claim` still holds chunk `id`: marks it done with `rows` rows and returns how many
  // other chunks of its run are not done, as a statement starting now sees them; nullopt when
  // the claim was lost (its lease ran out and another worker claimed it, or the run was started
  // afresh). The chunk row stays locked until this transaction ends.
  virtual std::optional<std::int64_t> complete_chunk(std::int64_t id, std::string_view claim,
                                                     std::int64_t rows);
  // complete_chunk, and then, when other chunks of the run are open, claim_chunk for `next`
  // (never chunk `id`), in this transaction: a worker's next chunk is claimed by the commit
  // of the one before. nullopt, claiming nothing, when the claim of chunk `id` was lost. The
  // default calls the two; a driver may do both in one round trip.
  virtual std::optional<CompletedChunk> complete_and_claim_next(std::int64_t id,
                                                                std::string_view claim,
                                                                std::int64_t rows,
                                                                const NextClaim& next);
  // While `claim` still holds chunk `id`: gives it up for another claim, at once, or with an
  // `error` counted as a failure, half a second per failure so far from now; returns its
  // failures so far in the attempt of the run it was claimed for (a resumed run's chunks try
  // afresh), nullopt when the claim was lost.
  virtual std::optional<int> release_chunk(std::int64_t id, std::string_view claim,
                                           const std::optional<std::string>& error);
  // While `claim` still holds chunk `id`: its lease runs for `lease` from now; true then.
  virtual bool extend_claim(std::int64_t id, std::string_view claim,
                            std::chrono::milliseconds lease);
  // How many chunks of `key` are not done.
  virtual std::int64_t unfinished_chunks(const MigrationKey& key);
  // The chunks of `key`: all, those not done, and those a worker holds now (claimed, not done,
  // their lease not over).
  virtual ChunkCounts count_chunks(const MigrationKey& key);
  // This transaction's commit waits for the disk, also in a chunk session (see
  // DatabaseDriver::begin_chunk_session): a run's last chunk, say, which applies the run.
  // Default: nothing (the driver's commits always wait).
  virtual void make_durable();
  // The database ends this session should it stay idle inside this transaction for `idle`
  // (its process stopped, or cut off, mid-chunk), so that its locks go and its transaction
  // rolls back. Default: nothing (an engine without server sessions).
  virtual void end_if_idle_for(std::chrono::milliseconds idle);
};

// Where a driver finds its database.
struct DatabaseTarget {
  std::string alias;
  std::string url;
  std::filesystem::path base_directory;  // absolute; for relative paths in `url`
};

class DatabaseDriver {
 public:
  virtual ~DatabaseDriver() = default;
  // Checks the URL without opening anything; throws std::invalid_argument saying what is wrong,
  // which configure() reports as a ConfigError naming the database entry.
  virtual void validate(const DatabaseTarget& target) const = 0;
  // What would keep the target's database from working that shows without connecting (for
  // SQLite: a directory that is missing or not writable), in words for check(); nullopt when
  // nothing does. Default: nullopt.
  virtual std::optional<std::string> problem(const DatabaseTarget& target) const;
  // A store for the target; may connect lazily. Throws RecordStoreError.
  virtual std::unique_ptr<RecordStore> open_record_store(const DatabaseTarget& target) const = 0;
  // A new transaction on the target's database, for a migration's operation; the record table
  // exists when it returns. Throws DatabaseError. The default says the driver runs no SQL.
  virtual std::unique_ptr<RunSession> begin_session(const DatabaseTarget& target) const;
  // The same for one chunk of a mapper run, whose commit need not wait for the disk: it may
  // be lost to a power failure or a crash of the system or database server (never to a crash
  // of the migrating process), but only together with the chunks committed after it, and a
  // later durable commit (the run's last) makes it durable too. A lost chunk takes its
  // checkpoint with it; the runner notices and stops, and resuming redoes exactly what was
  // lost. Default: begin_session.
  virtual std::unique_ptr<RunSession> begin_chunk_session(const DatabaseTarget& target) const {
    return begin_session(target);
  }
  // Whether begin_session opens transactions: a driver that overrides it says so here. Worker
  // processes take chunks only from such databases. Default: false.
  virtual bool runs_sql() const { return false; }
  // Whether sessions on one database commit in parallel (PostgreSQL) rather than one writer at
  // a time (SQLite): a mapper's parallel workers are used only then. Default: false.
  virtual bool supports_concurrent_writers() const { return false; }
};

// Registers the driver for URLs "scheme:..."; a later registration of the same scheme replaces
// the earlier one (tests wrap a real driver this way). Safe during static initialisation.
void register_database_driver(std::string scheme, std::shared_ptr<const DatabaseDriver> driver);
// The driver for `scheme`, or nullptr.
std::shared_ptr<const DatabaseDriver> find_database_driver(std::string_view scheme);
// The scheme part of a URL ("sqlite" for "sqlite:///x.db"), or empty when there is none.
std::string_view url_scheme(std::string_view url);

}  // namespace massmigration

#endif  // MASSMIGRATION_RECORD_STORE_H_
