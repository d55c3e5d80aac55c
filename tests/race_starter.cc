// Helper for concurrency_test: race:0001_count_runs on database URL, launched by THREADS
// threads at once after standard input closes (the starting gun). The migration appends a row
// to race_runs, so the test can count how often it really ran. Prints one line per thread,
// "won ATTEMPT" or "lost"; exit status 0, or 1 when something else went wrong.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <latch>
#include <mutex>
#include <thread>

#include "massmigration/massmigration.h"

namespace mm = massmigration;

namespace {

class CountRuns : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("INSERT INTO race_runs (pid) VALUES ($1)", static_cast<std::int64_t>(getpid()));
  }
};

}  // namespace

MASSMIGRATION_REGISTER(CountRuns, "race", "0001_count_runs");

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: race_starter URL THREADS\n");
    return 1;
  }
  try {
    mm::Config config;
    config.databases["default"] = argv[1];
    mm::configure(config);
    const int threads = std::atoi(argv[2]);
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    std::latch go(threads);
    std::mutex print;
    int failures = 0;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        go.arrive_and_wait();
        try {
          std::string attempt = mm::api::initiate_migration("race:0001_count_runs", "default");
          std::lock_guard lock(print);
          std::printf("won %s\n", attempt.c_str());
        } catch (const mm::MigrationAlreadyStarted&) {
          std::lock_guard lock(print);
          std::printf("lost\n");
        } catch (const std::exception& e) {
          std::lock_guard lock(print);
          std::fprintf(stderr, "race_starter: %s\n", e.what());
          ++failures;
        }
      });
    }
    for (auto& w : workers) w.join();
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "race_starter: %s\n", e.what());
    return 1;
  }
}
