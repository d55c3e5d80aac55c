#include <deque>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_join.h"
#include "massmigration/backend.h"
#include "massmigration/errors.h"
#include "massmigration/log.h"
#include "mutex.h"
#include "runners/workers.h"
#include "string_building.h"

namespace massmigration {

bool Backend::has_method(std::string_view) const { return false; }

void Backend::run_method(std::string_view method, const CustomMigration& migration,
                         OperationContext&) {
  throw BackendError(migration.key().str(), "", strings::cat("no method \"", method, "\""));
}

bool Backend::shutdown(std::chrono::milliseconds) { return true; }

struct ThreadPoolBackend::Pool {
  explicit Pool(std::size_t size) : size(std::max<std::size_t>(size, 1)) {}

  // The workers start with the first run: a process that only guards (a web server) does not
  // pay for threads when configure() looks the default backend up. After `stopping`, the
  // vector no longer changes, so shutdown() joins it without the lock.
  void start_workers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (!workers.empty()) return;
    for (std::size_t i = 0; i < size; ++i) workers.emplace_back([this] { work(); });
  }

  void work() {
    for (;;) {
      std::optional<MigrationRun> run;
      {
        MutexLock lock(&mu);
        while (queue.empty() && !stopping) lock.wait(changed);
        if (queue.empty()) return;  // stopping, and nothing left that may still run
        run.emplace(std::move(queue.front()));
        queue.pop_front();
        running.emplace(run->attempt_uuid(),
                        strings::cat(run->migration().key().str(), " on ", run->alias()));
      }
      const std::string attempt = run->attempt_uuid();
      run->run();
      run.reset();
      {
        MutexLock lock(&mu);
        running.erase(attempt);
      }
      changed.notify_all();
    }
  }

  const std::size_t size;
  Mutex mu;
  std::condition_variable changed;
  std::deque<MigrationRun> queue ABSL_GUARDED_BY(mu);
  std::map<std::string, std::string> running ABSL_GUARDED_BY(mu);  // attempt -> "key on alias"
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::vector<std::thread> workers;
  std::once_flag joined;
};

ThreadPoolBackend::ThreadPoolBackend(std::size_t threads)
    : pool_(std::make_unique<Pool>(threads)) {}

ThreadPoolBackend::~ThreadPoolBackend() {
  if (!shutdown(std::chrono::milliseconds(0))) {
    // Joining would hang and destroying a running thread would terminate the process: leave
    // the pool to the workers, who still use it. Logged by shutdown().
    (void)pool_.release();
  }
}

void ThreadPoolBackend::submit(MigrationRun run) {
  {
    MutexLock lock(&pool_->mu);
    if (!pool_->stopping) {
      pool_->start_workers();
      pool_->queue.push_back(std::move(run));
      pool_->changed.notify_one();
      return;
    }
  }
  run.abandon("the threads backend was shut down");
}

bool ThreadPoolBackend::shutdown(std::chrono::milliseconds grace) {
  std::deque<MigrationRun> never_started;
  std::map<std::string, std::string> still_running;
  {
    MutexLock lock(&pool_->mu);
    pool_->stopping = true;
    never_started.swap(pool_->queue);
  }
  pool_->changed.notify_all();
  for (MigrationRun& run : never_started) run.abandon("the backend shut down before it ran");
  const auto deadline = std::chrono::steady_clock::now() + grace;
  {
    MutexLock lock(&pool_->mu);
    while (!pool_->running.empty() && std::chrono::steady_clock::now() < deadline) {
      lock.wait_until(pool_->changed, deadline);
    }
    still_running = pool_->running;
  }
  if (!still_running.empty()) {
    std::vector<std::string> names;
    for (const auto& [attempt, name] : still_running) names.push_back(name);
    log(LogLevel::kWarning,
        strings::cat("threads backend shut down while still running: ", absl::StrJoin(names, ", "),
                     "; their records say RUNNING until they finish"));
    return false;
  }
  std::call_once(pool_->joined, [&] {
    for (std::thread& worker : pool_->workers) worker.join();
  });
  return true;
}

void ThreadPoolBackend::wait_idle() {
  MutexLock lock(&pool_->mu);
  while (!pool_->queue.empty() || !pool_->running.empty()) lock.wait(pool_->changed);
}

namespace {

struct BackendTable {
  BackendTable() {
    by_name["inline"] = std::make_shared<InlineBackend>();
    by_name["threads"] = std::make_shared<ThreadPoolBackend>(4);
    by_name["workers"] = std::make_shared<internal::WorkersBackend>();
  }
  Mutex mu;
  std::map<std::string, std::shared_ptr<Backend>, std::less<>> by_name ABSL_GUARDED_BY(mu);
};

BackendTable& backends() {
  // Never destroyed: worker threads may outlive static destruction.
  static BackendTable* table = new BackendTable;
  return *table;
}

}  // namespace

void register_backend(std::string name, std::shared_ptr<Backend> backend) {
  BackendTable& table = backends();
  MutexLock lock(&table.mu);
  table.by_name[std::move(name)] = std::move(backend);
}

std::shared_ptr<Backend> find_backend(std::string_view name) {
  BackendTable& table = backends();
  MutexLock lock(&table.mu);
  auto it = table.by_name.find(name);
  return it == table.by_name.end() ? nullptr : it->second;
}

std::vector<std::string> backend_names() {
  BackendTable& table = backends();
  MutexLock lock(&table.mu);
  std::vector<std::string> names;
  for (const auto& [name, backend] : table.by_name) names.push_back(name);
  return names;
}

bool shutdown_backends(std::chrono::milliseconds grace) {
  std::vector<std::shared_ptr<Backend>> all;
  {
    BackendTable& table = backends();
    MutexLock lock(&table.mu);
    for (const auto& [name, backend] : table.by_name) all.push_back(backend);
  }
  bool finished = true;
  for (const auto& backend : all) finished = backend->shutdown(grace) && finished;
  return finished;
}

}  // namespace massmigration
