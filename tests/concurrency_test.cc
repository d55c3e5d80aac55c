// Guards under many threads, records under many processes. Also built with ThreadSanitizer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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
  constexpr int kCallsPerThread = 10'000;  // ThreadSanitizer is ~20x slower per access
#else
  constexpr int kCallsPerThread = 100'000;
#endif
  mm::test::TestDatabases dbs(GetParam(), {"default", "shop_db"});
  mm::configure(dbs.config());
  mm::testing::ScopedEnforcement enforce;

  std::atomic<bool> write_started{false};  // set before the record is written
  std::atomic<bool> write_done{false};     // set after the write committed
  std::atomic<long> ran_early{0}, refused_late{0}, ran{0}, refused{0};
  auto guarded = mm::requires_migration(kInitial)([&] {
    // Nobody can see the record before its write began.
    if (!write_started.load()) ++ran_early;
    ++ran;
  });

  std::thread applier([&] {
    // Apply only once refusals are certain to have happened, without sleeping; through
    // connections of its own, as another process would.
    while (refused.load() < 1000) std::this_thread::yield();
    write_started = true;
    for (const char* alias : {"default", "shop_db"}) {
      mm::Timestamp now = mm::now_timestamp();
      dbs.open_store(alias)->upsert({.key = kInitial,
                                     .attempt_uuid = mm::new_attempt_uuid(),
                                     .initiated_at = now,
                                     .is_applied = true,
                                     .applied_at = now});
    }
    write_done = true;
  });
  std::latch go(kThreads);
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&] {
      go.arrive_and_wait();
      for (int i = 0; i < kCallsPerThread; ++i) {
        bool after_apply = write_done.load();
        try {
          guarded();
        } catch (const mm::RequiredMigrationNotApplied&) {
          ++refused;
          if (after_apply) ++refused_late;
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  applier.join();

  EXPECT_EQ(ran_early.load(), 0);
  EXPECT_EQ(refused_late.load(), 0);
  EXPECT_GE(refused.load(), 1000);
  EXPECT_EQ(ran.load() + refused.load(), long{kThreads} * kCallsPerThread);
  EXPECT_TRUE(write_done.load());
}

INSTANTIATE_TEST_SUITE_P(Engines, GuardConcurrency, mm::test::kEngines, mm::test::engine_name);

TEST(GuardResets, RacingWithCallersNeverLetAnUnappliedCallThrough) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config());
  mm::testing::ScopedEnforcement enforce;
  mm::testing::mark_applied(kInitial, "default");
  std::atomic<long> ran_after_delete_and_reset{0};
  std::atomic<bool> reset_after_delete{false};
  mm::MigrationRequirement requirement(kInitial);
  std::atomic<bool> stop{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      while (!stop.load()) {
        bool must_refuse = reset_after_delete.load();
        try {
          requirement.ensure_applied();
          if (must_refuse) ++ran_after_delete_and_reset;
        } catch (const mm::RequiredMigrationNotApplied&) {
        }
      }
    });
  }
  for (int i = 0; i < 200; ++i) mm::reset_guard_cache();
  mm::api::delete_record(kInitial, "default");  // resets the cache itself
  reset_after_delete = true;
  for (int i = 0; i < 200; ++i) mm::reset_guard_cache();
  stop = true;
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(ran_after_delete_and_reset.load(), 0);
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
  close(go[1]);  // every child's read returns now: all start together
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
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("won ")) winners.push_back(line.substr(4));
    if (line == "lost") ++losers;
  }
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
