// worker: a worker process of the workers backend.
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "context.h"
#include "massmigration/api.h"
#include "massmigration/errors.h"

namespace massmigration::cli::internal {
namespace {

// Each thread holds a connection to every database it claims from; a larger number is more
// likely a typo than a plan, and would exhaust a server's connection slots.
constexpr std::int64_t kMostThreads = 256;

}  // namespace

int worker(Context& ctx, const std::vector<std::string>& args) {
  const Args parsed(args, {"concurrency", "name"}, {"once"}, {"database"});
  parsed.expect_positional({});
  api::WorkerOptions options{.once = parsed.flag("once"),
                             .name = parsed.option("name").value_or("")};
  for (const std::string& alias : parsed.values("database")) {
    options.aliases.push_back(selected_aliases(alias).front());  // checks that it exists
  }
  const std::int64_t concurrency =
      parsed.option("concurrency") ? parsed.number("concurrency", 1, kMostThreads) : 1;
  ctx.out << "worker " << (options.name.empty() ? this_process_owner() : options.name)
          << ": claiming chunks on "
          << (options.aliases.empty() ? std::string("every database")
                                      : absl::StrJoin(options.aliases, ", "))
          << (options.once ? " until none is left" : " until stopped") << std::endl;
  // Each thread's count and error in its own slot: printed once all are done.
  std::vector<std::int64_t> chunks(static_cast<size_t>(concurrency), 0);
  std::vector<std::string> errors(static_cast<size_t>(concurrency));
  // Bad configuration stops every thread alike before its first chunk: reported once, as such.
  std::vector<std::exception_ptr> config_errors(static_cast<size_t>(concurrency));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < chunks.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        chunks[i] = api::run_worker(options);
      } catch (const ConfigError&) {
        config_errors[i] = std::current_exception();
      } catch (const MigrationError& e) {
        errors[i] = e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : config_errors) {
    if (error) std::rethrow_exception(error);
  }
  int code = kOk;
  for (const std::string& error : errors) {
    if (error.empty()) continue;
    ctx.err << ctx.program << ": " << error << "\n";
    code = kFailed;
  }
  std::int64_t total = 0;
  for (std::int64_t n : chunks) total += n;
  ctx.out << "worker: ran " << total << " chunks"
          << (api::local_runs_stopped() ? " (stopped as asked)" : "") << "\n";
  return code;
}

}  // namespace massmigration::cli::internal
