// Helper for concurrency_test: race:0001_count_runs on database URL, launched by THREADS
// threads at once after standard input closes (the starting gun). Once configured and with
// every thread waiting on standard input, it prints "ready\n". The migration appends a row
// to race_runs, so the test can count how often it really ran. Prints one line per thread,
// "arrived NANOSECONDS" (CLOCK_MONOTONIC, just before it starts the migration) and then "won
// ATTEMPT" or "lost"; exit status 0, or 1 when something else went wrong.
#include <time.h>
#include <unistd.h>

#include <cstdint>
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

std::int64_t monotonic_nanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

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
    std::latch waiting(threads);
    std::mutex print;
    int failures = 0;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        waiting.count_down();
        // Every thread of every process blocks here until the test closes the pipe.
        char byte;
        while (read(STDIN_FILENO, &byte, 1) > 0) {
        }
        const std::int64_t arrived = monotonic_nanoseconds();
        try {
          std::string attempt = mm::api::initiate_migration("race:0001_count_runs", "default");
          std::lock_guard lock(print);
          std::printf("arrived %lld\nwon %s\n", static_cast<long long>(arrived), attempt.c_str());
        } catch (const mm::MigrationAlreadyStarted&) {
          std::lock_guard lock(print);
          std::printf("arrived %lld\nlost\n", static_cast<long long>(arrived));
        } catch (const std::exception& e) {
          std::lock_guard lock(print);
          std::fprintf(stderr, "race_starter: %s\n", e.what());
          ++failures;
        }
      });
    }
    waiting.wait();  // a thread that counted down is at most a step from its read
    std::printf("ready\n");
    std::fflush(stdout);
    for (auto& w : workers) w.join();
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "race_starter: %s\n", e.what());
    return 1;
  }
}
