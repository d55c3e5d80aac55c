// Backends: what runs a launched migration. Built in: "inline" runs it in the launching thread
// before initiate_migration returns (the command line uses it); "threads" runs it on a bounded
// pool of worker threads and initiate_migration returns at once. Applications register their
// own by name, before configure() when they are the configured default.
//
// A backend receives a MigrationRun (the record already says RUNNING) and must, exactly once,
// either run() it, in any thread, or abandon() it; a run that is dropped is abandoned with a
// logged error, never left RUNNING in silence.
//
// Thread safety: register_backend and find_backend may be called concurrently; a backend's
// submit() is called from any thread that launches.
#ifndef MASSMIGRATION_BACKEND_H_
#define MASSMIGRATION_BACKEND_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/migration.h"
#include "massmigration/migration_params.h"
#include "massmigration/operation_context.h"

namespace massmigration {

class Backend;

// One launched attempt of one migration on one alias, handed to a backend by the library.
// Move-only.
class MigrationRun {
 public:
  // What the library knows of the run; opaque to backends.
  struct State;
  explicit MigrationRun(std::unique_ptr<State> state);
  MigrationRun(MigrationRun&&) noexcept;
  MigrationRun& operator=(MigrationRun&&) noexcept;
  ~MigrationRun();  // abandons a run that was neither run nor abandoned

  const Migration& migration() const;
  const std::string& alias() const;
  const std::string& attempt_uuid() const;
  // The migration's backend_params.
  const BackendParams& params() const;

  // Runs the migration in the calling thread, in one transaction, and records the outcome:
  // APPLIED, or ERRORED with "ExceptionType: message" (the data change rolled back). Never
  // throws. A run whose record was deleted or replaced meanwhile changes nothing.
  void run();
  // Records the run as ERRORED with `reason`, without running it.
  void abandon(std::string_view reason);

 private:
  std::unique_ptr<State> state_;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Takes the run; see the file comment.
  virtual void submit(MigrationRun run) = 0;

  // Whether launching queues the run in its own database (the record and the run's chunks in
  // one transaction) for worker processes to claim, instead of submitting it. Default: false.
  virtual bool queues_in_database() const { return false; }

  // Whether this backend runs custom migrations that name `method`. Default: none.
  virtual bool has_method(std::string_view method) const;
  // Runs a custom migration's method inside the run's transaction; throw to fail it.
  // REQUIRES: has_method(method).
  virtual void run_method(std::string_view method, const CustomMigration& migration,
                          OperationContext& ctx);

  // Stops taking runs and finishes up within `grace`: queued runs are abandoned (ERRORED,
  // "backend shut down before it ran"), running ones are waited for. Returns false, having
  // logged which migrations are still running, if they did not finish in time.
  virtual bool shutdown(std::chrono::milliseconds grace);
};

// Runs every migration in the launching thread.
class InlineBackend : public Backend {
 public:
  void submit(MigrationRun run) override { run.run(); }
};

// Runs migrations on `threads` worker threads; submit() queues and returns.
class ThreadPoolBackend : public Backend {
 public:
  explicit ThreadPoolBackend(std::size_t threads);
  ~ThreadPoolBackend() override;  // shuts down with no grace period
  ThreadPoolBackend(const ThreadPoolBackend&) = delete;
  ThreadPoolBackend& operator=(const ThreadPoolBackend&) = delete;

  // After shutdown, abandons the run.
  void submit(MigrationRun run) override;
  bool shutdown(std::chrono::milliseconds grace) override;
  // Blocks until nothing is queued or running (tests, command-line tools).
  void wait_idle();

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// Registers `backend` under `name`, replacing an earlier one of that name.
void register_backend(std::string name, std::shared_ptr<Backend> backend);
// The backend registered under `name`, or nullptr.
std::shared_ptr<Backend> find_backend(std::string_view name);
// Registered names, sorted.
std::vector<std::string> backend_names();
// shutdown(grace) on every registered backend; false if any did not finish in time.
bool shutdown_backends(std::chrono::milliseconds grace);

}  // namespace massmigration

#endif  // MASSMIGRATION_BACKEND_H_
