// Internal: the `workers` backend. Launching writes the RUNNING record and the run's chunks in
// one transaction (enqueue_run); worker processes claim chunks from the database and run each
// in one transaction with its done mark and the run's progress (work_one_chunk). Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_WORKERS_H_
#define MASSMIGRATION_SRC_RUNNERS_WORKERS_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "massmigration/backend.h"
#include "massmigration/record.h"
#include "model/installation.h"

namespace massmigration::internal {

// How many times a chunk's work may fail before its run is marked ERRORED with that failure.
inline constexpr int kMaxChunkFailures = 3;

// Registered as "workers": runs are queued in their database, never submitted.
class WorkersBackend : public Backend {
 public:
  bool queues_in_database() const override { return true; }
  void submit(MigrationRun run) override;
};

// Creates `running` (RUNNING) and its chunks, one transaction on `database`: a mapper's
// selection in chunks of its chunk size, a simple migration as one chunk. Throws
// MigrationAlreadyStarted when the migration has a record there. The trail's launch is by
// `actor`, else by the run's owner.
void enqueue_run(const Installation& installation, AliasDatabase& database,
                 const Migration& migration, MigrationRecord running,
                 const std::string& actor = {});

// Whether the run of `key` on `database` was queued for workers: its chunks are there.
bool is_queued_run(AliasDatabase& database, const MigrationKey& key);

// After `resumed`, a queued run, is RUNNING again: workers claim its open chunks. One whose
// chunks are all done (its last chunk committed as it paused) is applied now.
void requeue_resumed_run(AliasDatabase& database, const MigrationRecord& resumed);

// What became of a chunk work_one_chunk claimed, if any.
enum class ChunkOutcome {
  kNoneToClaim,   // and the runs asked to pause or cancel that no worker held a chunk of stopped
  kCommitted,     // done, with its run's progress
  kNotCommitted,  // its work failed, its claim ran out or its run stopped meanwhile
};

// Runs one chunk on `database` as `worker`: `next`, taken from there, else one it claims. A
// chunk that commits while its run goes on claims the worker's next one in its transaction and
// leaves it in `next`, which saves a transaction a chunk (not when this process was asked to
// stop: give_back what is left there then). A failure of the chunk's work is counted on the
// chunk, and marks the run ERRORED at the kMaxChunkFailures-th; it is not thrown. Throws
// DatabaseError when the database fails or the connection is lost.
ChunkOutcome work_one_chunk(const Installation& installation, AliasDatabase& database,
                            const std::string& worker, std::optional<ClaimedChunk>& next);

// Gives a claimed chunk back to the queue at once: for when its run stopped, or its worker is
// stopping before it ran it.
void give_back(AliasDatabase& database, const ClaimedChunk& chunk);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_WORKERS_H_
