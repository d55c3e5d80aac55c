// api::run_worker: the loop of a worker process of the workers backend.
#include <algorithm>

#include "exception_text.h"
#include "massmigration/api.h"
#include "massmigration/errors.h"
#include "massmigration/log.h"
#include "model/installation.h"
#include "runners/local_stop.h"
#include "runners/workers.h"
#include "string_building.h"

namespace massmigration::api {
namespace {

// How long an idle worker waits before it asks for work again, and after a database failure.
constexpr std::chrono::milliseconds kIdlePoll{200};
constexpr std::chrono::milliseconds kAfterFailure{1000};

// Whether a live run on `database` still has a chunk open: one a worker holds, or one it may
// claim again.
bool work_remains(internal::AliasDatabase& database) {
  for (const MigrationRecord& record : database.store().list().records) {
    if (!record.is_live()) continue;
    std::unique_ptr<RunSession> session = database.begin_session();
    if (session->unfinished_chunks(record.key) > 0) return true;
  }
  return false;
}

}  // namespace

std::int64_t run_worker(const WorkerOptions& options) {
  std::shared_ptr<const internal::Installation> installation = internal::require_installation();
  std::vector<internal::AliasDatabase*> databases;
  for (const std::string& alias :
       options.aliases.empty() ? installation->aliases() : options.aliases) {
    internal::AliasDatabase& database = installation->require_database(alias);
    if (database.runs_sql()) {
      databases.push_back(&database);
    } else if (!options.aliases.empty()) {
      // Retrying would never help: nothing can queue a run there.
      throw ConfigError("databases." + alias,
                        "its driver runs no SQL, so it holds no chunks for workers");
    }
  }
  if (databases.empty()) {
    throw ConfigError("databases",
                      "no database's driver runs SQL, so none holds chunks for workers");
  }
  const std::string name = options.name.empty() ? this_process_owner() : options.name;
  std::int64_t chunks = 0;
  while (!internal::local_stop_requested()) {
    bool worked = false;
    bool failed = false;
    for (internal::AliasDatabase* database : databases) {
      try {
        std::optional<ClaimedChunk> next;  // claimed by the chunk before
        while (!internal::local_stop_requested()) {
          const internal::ChunkOutcome outcome =
              internal::work_one_chunk(*installation, *database, name, next);
          if (outcome == internal::ChunkOutcome::kNoneToClaim) break;
          worked = true;
          if (outcome == internal::ChunkOutcome::kCommitted) ++chunks;
        }
        // Asked to stop with a chunk claimed: the other workers need not wait out its lease.
        if (next) internal::give_back(*database, *next);
      } catch (const std::exception& e) {
        failed = true;
        log(LogLevel::kWarning, strings::cat("worker ", name, ": database ", database->alias(),
                                             " failed; trying again: ", e.what()));
      }
    }
    if (worked) continue;
    if (options.once && !failed &&
        std::none_of(databases.begin(), databases.end(),
                     [](internal::AliasDatabase* d) { return work_remains(*d); })) {
      break;
    }
    internal::wait_unless_stopped(failed ? kAfterFailure : kIdlePoll);
  }
  return chunks;
}

}  // namespace massmigration::api
