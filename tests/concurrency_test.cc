// Guards under many threads, records under many processes. Also built with ThreadSanitizer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <latch>
#include <sstream>
#include <thread>

#include "massmigration/massmigration.h"
#include "massmigration/sqlite.h"
#include "massmigration/testing.h"
#include "support/engines.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::kInitial;

namespace {

std::filesystem::path g_race_starter;  // set from argv in main()

class GuardConcurrency : public ::testing::TestWithParam<mm::test::Engine> {};

TEST_P(GuardConcurrency, NothingRunsBeforeTheApplyAndEverythingRunsAfter) {
  constexpr int kThreads = 16;
#if defined(__SANITIZE_THREAD__)
  constexpr int kCallsAfterApply = 1'000;  // ThreadSanitizer is ~20x slower per access
#else
  constexpr int kCallsAfterApply = 20'000;
#endif
  mm::test::TestDatabases dbs(GetParam(), {"default", "shop_db"});
  mm::configure(dbs.config());
  mm::testing::ScopedEnforcement enforce;

  // kInitial is required on both aliases: the apply is complete with the second write.
  std::atomic<bool> completing{false};  // set before the second alias's record is written
  std::atomic<bool> applied{false};     // set after that write committed
  std::atomic<long> ran_early{0}, ran{0}, refused{0}, ran_after_apply{0}, refused_after_apply{0};
  auto guarded = mm::requires_migration(kInitial)([&] {
    // Nobody can see the migration applied before its last record write began.
    if (!completing.load()) ++ran_early;
    ++ran;
  });

  std::thread applier([&] {
    // Apply only once refusals are certain to have happened, without sleeping; through
    // connections of its own, as another process would.
    while (refused.load() < 1000) std::this_thread::yield();
    for (const char* alias : {"default", "shop_db"}) {
      if (std::string_view(alias) == "shop_db") completing = true;
      mm::Timestamp now = mm::now_timestamp();
      const bool applied_now = dbs.open_store(alias)->insert_if_absent(
          {.key = kInitial,
           .attempt_uuid = mm::new_attempt_uuid(),
           .initiated_at = now,
           .is_applied = true,
           .applied_at = now});
      EXPECT_TRUE(applied_now) << alias;
    }
    applied = true;
  });
  std::latch go(kThreads);
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&] {
      go.arrive_and_wait();
      // Every caller goes on until it has made kCallsAfterApply calls that began after the
      // apply committed, so both sides of the apply are certainly exercised.
      for (int after = 0; after < kCallsAfterApply;) {
        const bool after_apply = applied.load();
        try {
          guarded();
          if (after_apply) ++ran_after_apply;
        } catch (const mm::RequiredMigrationNotApplied&) {
          ++refused;
          if (after_apply) ++refused_after_apply;
        }
        if (after_apply) ++after;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  applier.join();

  EXPECT_EQ(ran_early.load(), 0);
  EXPECT_GE(refused.load(), 1000);
  EXPECT_EQ(refused_after_apply.load(), 0);
  EXPECT_EQ(ran_after_apply.load(), long{kThreads} * kCallsAfterApply);
  EXPECT_GE(ran.load(), ran_after_apply.load());
}

INSTANTIATE_TEST_SUITE_P(Engines, GuardConcurrency, mm::test::kEngines, mm::test::engine_name);

// Resets taken only while every caller is calling: before each reset, every caller has
// completed kCallsBetweenResets calls since the previous one (so at least one call of each
// lies wholly between two resets).
class ResetsAmongCallers {
 public:
  static constexpr long kCallsBetweenResets = 3;
  explicit ResetsAmongCallers(int callers) : calls_(callers) {}
  void count_call(int caller) { calls_[caller].fetch_add(1); }
  void reset(int times) {
    for (int i = 0; i < times; ++i) {
      std::vector<long> since(calls_.size());
      for (size_t t = 0; t < calls_.size(); ++t) since[t] = calls_[t].load();
      for (size_t t = 0; t < calls_.size(); ++t) {
        while (calls_[t].load() < since[t] + kCallsBetweenResets) std::this_thread::yield();
      }
      mm::reset_guard_cache();
      ++resets_;
    }
  }
  long resets() const { return resets_; }

 private:
  std::vector<std::atomic<long>> calls_;
  long resets_ = 0;
};

TEST(GuardResets, RacingWithCallersNeverLetAnUnappliedCallThrough) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config());
  mm::testing::ScopedEnforcement enforce;
  mm::testing::mark_applied(kInitial, "default");
  mm::testing::mark_applied(kInitial, "shop_db");
  constexpr int kCallers = 4;
  constexpr int kResets = 25;
  std::atomic<long> ran_before_delete{0}, refused_before_delete{0};
  std::atomic<long> ran_after_delete{0}, refused_after_delete{0};
  std::atomic<bool> deleting{false}, deleted{false};
  mm::MigrationRequirement requirement(kInitial);
  ResetsAmongCallers resets(kCallers);
  std::atomic<bool> stop{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      while (!stop.load()) {
        const bool after_delete = deleted.load();
        try {
          requirement.ensure_applied();
          if (after_delete) ++ran_after_delete;
          if (!deleting.load()) ++ran_before_delete;
        } catch (const mm::RequiredMigrationNotApplied&) {
          // Read after the call: a call wholly before the delete began must have run.
          if (!deleting.load()) ++refused_before_delete;
          if (after_delete) ++refused_after_delete;
        }
        resets.count_call(t);
      }
    });
  }
  resets.reset(kResets);  // applied throughout: every call runs, whatever the resets do
  deleting = true;
  mm::api::delete_record(kInitial, "default");  // resets the cache itself
  deleted = true;
  resets.reset(kResets);  // after the delete: every call is refused, whatever the resets do
  stop = true;
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(resets.resets(), 2 * kResets);
  EXPECT_EQ(refused_before_delete.load(), 0);
  EXPECT_GE(ran_before_delete.load(), kResets * kCallers * ResetsAmongCallers::kCallsBetweenResets);
  EXPECT_EQ(ran_after_delete.load(), 0);
  // The second round of resets waited for kCallsBetweenResets calls of each caller each time,
  // of which only each caller's first may have begun before the delete finished.
  EXPECT_GE(refused_after_delete.load(),
            kResets * kCallers * ResetsAmongCallers::kCallsBetweenResets - kCallers);
}

// CLOCK_MONOTONIC, which race_starter reports too: one clock for every process.
long long monotonic_nanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// Reads `n` bytes from `fd`, or fewer at end of file.
std::string read_exactly(int fd, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  for (ssize_t r; got < n && (r = read(fd, out.data() + got, n - got)) > 0;) got += r;
  out.resize(got);
  return out;
}

class LaunchConcurrency : public ::testing::TestWithParam<mm::test::Engine> {};

TEST_P(LaunchConcurrency, SixtyFourLaunchesFromEightProcessesRunOnce) {
  ASSERT_FALSE(g_race_starter.empty()) << "run through ctest, which passes the helper's path";
  mm::test::TestDatabases dbs(GetParam(), {"default"});
  dbs.execute("default", "CREATE TABLE race_runs (pid INTEGER)");
  constexpr int kProcesses = 8;
  constexpr int kThreadsEach = 8;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  std::vector<pid_t> children;
  std::vector<int> outputs;
  const std::string url = dbs.url("default");
  const std::string threads = std::to_string(kThreadsEach);
  for (int i = 0; i < kProcesses; ++i) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(go[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      close(go[1]);
      execl(g_race_starter.c_str(), g_race_starter.c_str(), url.c_str(), threads.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    children.push_back(pid);
    outputs.push_back(out[0]);
  }
  close(go[0]);
  for (int i = 0; i < kProcesses; ++i) {
    // Each child says "ready\n" once configured, with its threads waiting on the pipe.
    ASSERT_EQ(read_exactly(outputs[i], 6), "ready\n") << "child " << i;
  }
  const long long released = monotonic_nanoseconds();
  close(go[1]);  // every waiting read returns now: all start together
  std::string all;
  for (int i = 0; i < kProcesses; ++i) {
    char buffer[256];
    for (ssize_t n; (n = read(outputs[i], buffer, sizeof buffer)) > 0;) all.append(buffer, n);
    close(outputs[i]);
    int status = 0;
    ASSERT_EQ(waitpid(children[i], &status, 0), children[i]);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << all;
  }
  std::vector<std::string> winners;
  int losers = 0;
  std::vector<long long> arrivals;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("won ")) winners.push_back(line.substr(4));
    if (line == "lost") ++losers;
    if (line.starts_with("arrived ")) arrivals.push_back(std::stoll(line.substr(8)));
  }
  ASSERT_EQ(arrivals.size(), size_t{kProcesses * kThreadsEach}) << all;
  // Reported, not asserted: how far apart the 64 starts were (a busy machine spreads them).
  const auto [first, last] = std::minmax_element(arrivals.begin(), arrivals.end());
  const auto ms = [](long long nanoseconds) { return static_cast<double>(nanoseconds) / 1e6; };
  RecordProperty("arrival_spread_us", static_cast<int>((*last - *first) / 1000));
  std::printf("%zu starts arrived %.3f to %.3f ms after the release: spread %.3f ms\n",
              arrivals.size(), ms(*first - released), ms(*last - released), ms(*last - *first));
  ASSERT_EQ(winners.size(), 1u) << all;
  EXPECT_EQ(losers, kProcesses * kThreadsEach - 1);
  EXPECT_EQ(dbs.scalar("default", "SELECT count(*) FROM race_runs"), "1");
  EXPECT_EQ(dbs.scalar("default", "SELECT count(*) FROM massmigration_record"), "1");
  EXPECT_EQ(dbs.scalar("default", "SELECT attempt_uuid FROM massmigration_record"), winners[0]);
  EXPECT_EQ(dbs.scalar("default",
                       "SELECT CASE WHEN is_applied THEN 'APPLIED' ELSE 'NOT' END FROM "
                       "massmigration_record"),
            "APPLIED");
}

INSTANTIATE_TEST_SUITE_P(Engines, LaunchConcurrency, mm::test::kEngines, mm::test::engine_name);

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) g_race_starter = argv[1];
  return RUN_ALL_TESTS();
}
