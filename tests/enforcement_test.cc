#include "massmigration/enforcement.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <thread>

#include "massmigration/massmigration.h"
#include "massmigration/sqlite.h"
#include "massmigration/testing.h"
#include "support/engines.h"
#include "support/faulty_store.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::kBackfill;
using mm::test::kInitial;

namespace {

// Every test: fresh SQLite files for "default" and "shop_db", configured, guards enforced.
class Enforcement : public ::testing::TestWithParam<mm::test::Engine> {
 protected:
  void SetUp() override { mm::configure(dbs_.config()); }

  // A record written through a connection of its own, as another process would.
  void apply_elsewhere(const mm::MigrationKey& key, const std::string& alias) {
    auto store = dbs_.open_store(alias);
    mm::Timestamp now = mm::now_timestamp();
    // Every test applies a migration once per alias: a record already there is a test's bug.
    ASSERT_TRUE(store->insert_if_absent({.key = key,
                                         .attempt_uuid = mm::new_attempt_uuid(),
                                         .initiated_at = now,
                                         .is_applied = true,
                                         .applied_at = now}));
  }
  void delete_elsewhere(const mm::MigrationKey& key, const std::string& alias) {
    ASSERT_TRUE(dbs_.open_store(alias)->remove(key));
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default", "shop_db"}};
  mm::testing::ScopedEnforcement enforce_;
};

int calls = 0;
int count_call(int x) {
  ++calls;
  return x * 2;
}

TEST_P(Enforcement, RefusesBeforeAndAllowsAfterAnotherConnectionApplies) {
  auto guarded = mm::requires_migration(kInitial)(count_call);
  calls = 0;
  try {
    guarded(1);
    FAIL() << "ran before the migration was applied";
  } catch (const mm::RequiredMigrationNotApplied& e) {
    EXPECT_EQ(e.key(), kInitial);
    EXPECT_EQ(e.missing_aliases(), (std::vector<std::string>{"default", "shop_db"}));
    EXPECT_TRUE(e.cause().empty()) << e.cause();
    EXPECT_NE(e.guarded().find("enforcement_test.cc:"), std::string::npos) << e.guarded();
    EXPECT_NE(std::string(e.what()).find("shop:0001_initial is not applied on default, shop_db"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(calls, 0);
  apply_elsewhere(kInitial, "default");
  apply_elsewhere(kInitial, "shop_db");
  EXPECT_EQ(guarded(21), 42);
  EXPECT_EQ(calls, 1);
}

TEST_P(Enforcement, EveryAliasIsRequiredByDefault) {
  auto guarded = mm::requires_migration(kInitial)(count_call);
  apply_elsewhere(kInitial, "default");
  try {
    guarded(1);
    FAIL();
  } catch (const mm::RequiredMigrationNotApplied& e) {
    EXPECT_EQ(e.missing_aliases(), std::vector<std::string>{"shop_db"});
  }
}

TEST_P(Enforcement, DbAliasesNarrowsToASubset) {
  auto guarded = mm::requires_migration(kInitial, {.db_aliases = {"shop_db"}})(count_call);
  apply_elsewhere(kInitial, "default");
  EXPECT_THROW(guarded(1), mm::RequiredMigrationNotApplied);
  apply_elsewhere(kInitial, "shop_db");
  mm::testing::mark_not_applied(kInitial, "default");
  EXPECT_EQ(guarded(2), 4);
}

TEST_P(Enforcement, DbAliasOutsideTheMigrationsAliasesIsRefusedEveryTime) {
  mm::configure(dbs_.config({{"shop", "shop_db"}}));  // routing: shop runs on shop_db only
  auto guarded = mm::requires_migration(kInitial, {.db_aliases = {"default"}})(count_call);
  for (int i = 0; i < 2; ++i) {
    try {
      guarded(1);
      FAIL();
    } catch (const mm::DbAliasNotAllowed& e) {
      EXPECT_EQ(e.alias(), "default");
      EXPECT_EQ(e.allowed(), std::vector<std::string>{"shop_db"});
    }
  }
}

TEST_P(Enforcement, RoutingDecidesTheDefaultRequiredAliases) {
  mm::configure(dbs_.config({{"shop", "shop_db"}}));
  apply_elsewhere(kInitial, "shop_db");
  EXPECT_NO_THROW(mm::MigrationGuard guard(kInitial));
}

TEST_P(Enforcement, UnknownKeyListsTheKnownKeys) {
  auto guarded = mm::requires_migration("shop:0099_typo")(count_call);
  try {
    guarded(1);
    FAIL();
  } catch (const mm::UnknownMigration& e) {
    EXPECT_EQ(e.key(), "shop:0099_typo");
    EXPECT_EQ(e.known_keys(), mm::registered_keys());
    EXPECT_NE(std::string(e.what()).find("shop:0002_backfill_slugs"), std::string::npos);
  }
}

TEST_P(Enforcement, MalformedKeyIsReportedOnUseNotOnCreation) {
  auto make = [] { return mm::requires_migration("Shop:1")(count_call); };
  auto guarded = make();  // no throw here: guards may be statics
  EXPECT_THROW(guarded(1), mm::InvalidMigrationKey);
  EXPECT_THROW(mm::MigrationGuard guard("shop:initial"), mm::InvalidMigrationKey);
}

TEST_P(Enforcement, PositiveAnswerSurvivesDeletionBehindItsBackUntilReset) {
  apply_elsewhere(kInitial, "default");
  apply_elsewhere(kInitial, "shop_db");
  mm::MigrationRequirement requirement(kInitial);
  requirement.ensure_applied();
  delete_elsewhere(kInitial, "default");
  EXPECT_NO_THROW(requirement.ensure_applied());  // memoized: not asked again
  EXPECT_NO_THROW(mm::MigrationGuard guard(requirement));
  mm::reset_guard_cache();
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
}

TEST_P(Enforcement, MigrationGuardRefusesInItsConstructor) {
  int ran = 0;
  auto body = [&] {
    mm::MigrationGuard guard(kBackfill, {.db_aliases = {"shop_db"}});
    ++ran;
  };
  EXPECT_THROW(body(), mm::RequiredMigrationNotApplied);
  EXPECT_EQ(ran, 0);
  mm::testing::mark_applied(kBackfill, "shop_db");
  body();
  EXPECT_EQ(ran, 1);
}

TEST_P(Enforcement, MigrationGuardNamesTheEnclosingFunction) {
  try {
    mm::MigrationGuard guard(kBackfill);
    FAIL();
  } catch (const mm::RequiredMigrationNotApplied& e) {
    EXPECT_NE(e.guarded().find("TestBody"), std::string::npos) << e.guarded();
  }
  try {
    mm::MigrationGuard guard(kBackfill, {.name = "checkout"});
    FAIL();
  } catch (const mm::RequiredMigrationNotApplied& e) {
    EXPECT_EQ(e.guarded(), "checkout");
  }
}

TEST_P(Enforcement, MigrationIsAppliedAnswersPerAliasAndForAll) {
  EXPECT_FALSE(mm::migration_is_applied(kInitial));
  mm::testing::mark_applied(kInitial, "shop_db");
  EXPECT_TRUE(mm::migration_is_applied(kInitial, "shop_db"));
  EXPECT_FALSE(mm::migration_is_applied(kInitial, "default"));
  EXPECT_FALSE(mm::migration_is_applied(kInitial));
  mm::testing::mark_applied(kInitial, "default");
  EXPECT_TRUE(mm::migration_is_applied({"shop", "0001_initial"}));
  EXPECT_THROW(mm::migration_is_applied(kInitial, "elsewhere"), mm::UnknownDatabaseAlias);
}

// A refusal costs at most one store's deadline: with several servers hung, asking each in
// turn would cost one deadline per database.
TEST_P(Enforcement, AnUnreachableStoreFailsClosedWithTheCauseAskingNoFurtherDatabase) {
  mm::Config config = dbs_.config();
  config.databases["default"] = dbs_.unreachable_url();
  for (bool both_unreachable : {false, true}) {
    if (both_unreachable) config.databases["shop_db"] = dbs_.unreachable_url();
    mm::configure(config);
    try {
      mm::MigrationGuard guard(kInitial);
      FAIL();
    } catch (const mm::RequiredMigrationNotApplied& e) {
      EXPECT_EQ(e.missing_aliases(), (std::vector<std::string>{"default"}));
      EXPECT_TRUE(e.cause().starts_with("record store for database default: ")) << e.cause();
      EXPECT_TRUE(e.cause().ends_with(" (not asked: shop_db)")) << e.cause();
      EXPECT_EQ(e.cause().find("database shop_db"), std::string::npos) << e.cause();
    }
  }
}

TEST_P(Enforcement, ForcedEnforcementChecksGuardsThatSkipInTests) {
  int ran = 0;
  auto guarded = mm::requires_migration(kBackfill)([&] { ++ran; });
  auto strict = mm::requires_migration(kBackfill, {.skip_in_tests = false})([&] { ++ran; });
  EXPECT_THROW(guarded(), mm::RequiredMigrationNotApplied);  // the fixture forces enforcement
  EXPECT_THROW(strict(), mm::RequiredMigrationNotApplied);
  EXPECT_EQ(ran, 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, Enforcement, mm::test::kEngines, mm::test::engine_name);

// Guards in static destructors and atexit handlers run after this thread's thread_local
// objects are gone; they must still work (refuse or pass), never touch freed memory.
TEST(GuardsAtExit, WorkAfterThreadLocalsAreDestroyed) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    mm::configure(dbs.config());
    mm::testing::mark_applied(kInitial, "default");
    mm::testing::mark_applied(kInitial, "shop_db");
    static struct AtExit {
      ~AtExit() {
        mm::testing::ScopedEnforcement enforce;
        mm::MigrationGuard guard(kInitial);  // must not crash; applied, so it passes
        if (!mm::migration_is_applied(kInitial, "default")) std::_Exit(3);
        try {
          mm::MigrationGuard refused(kBackfill);
          std::_Exit(4);
        } catch (const mm::RequiredMigrationNotApplied&) {
        }
      }
    } at_exit;
    mm::MigrationGuard warm(kInitial);  // fills this thread's index
    std::exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace

// Guarded by the macro; external linkage so that nothing may drop them.
int backfilled_checkout(int x) {
  MASSMIGRATION_GUARD(kBackfill, {.db_aliases = {"shop_db"}});
  return x + 1;
}
int initial_checkout(int x) {
  MASSMIGRATION_GUARD(kInitial);
  return x * 2;
}
// Never called: check() finds it anyway. Misconfigured only where shop is routed to default.
void never_called_checkout() { MASSMIGRATION_GUARD(kInitial, {.db_aliases = {"shop_db"}}); }

namespace {

TEST_P(Enforcement, TheGuardMacroRefusesUntilAppliedAndNamesItsFunction) {
  try {
    backfilled_checkout(1);
    FAIL() << "ran before the migration was applied";
  } catch (const mm::RequiredMigrationNotApplied& e) {
    EXPECT_EQ(e.key(), kBackfill);
    EXPECT_EQ(e.missing_aliases(), std::vector<std::string>{"shop_db"});
    EXPECT_NE(e.guarded().find("backfilled_checkout"), std::string::npos) << e.guarded();
    EXPECT_NE(e.guarded().find("enforcement_test.cc:"), std::string::npos) << e.guarded();
  }
  EXPECT_THROW(initial_checkout(1), mm::RequiredMigrationNotApplied);
  apply_elsewhere(kBackfill, "shop_db");
  EXPECT_EQ(backfilled_checkout(1), 2);
  apply_elsewhere(kInitial, "default");
  EXPECT_THROW(initial_checkout(1), mm::RequiredMigrationNotApplied);  // shop_db is missing
  apply_elsewhere(kInitial, "shop_db");
  EXPECT_EQ(initial_checkout(21), 42);
  // A reset (as configure() does) is seen by the macro's requirement too.
  delete_elsewhere(kInitial, "shop_db");
  mm::reset_guard_cache();
  EXPECT_THROW(initial_checkout(1), mm::RequiredMigrationNotApplied);
}

TEST(GuardMacro, CheckReportsASiteThatNeverRan) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config({{"shop", "default"}}));
  std::vector<std::string> found;
  for (const mm::CheckProblem& p : mm::check()) {
    if (p.where.find("never_called_checkout") != std::string::npos) found.push_back(p.message);
  }
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("shop_db"), std::string::npos) << found[0];
}

int threads_in_this_process() {
  int threads = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ++threads;
  }
  return threads;
}

// A fresh process pays for its first guarded call, not for a thread pool it may never use.
TEST(GuardStartup, ConfigureAndAFirstCheckStartNoThread) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config());
  mm::testing::ScopedEnforcement enforce;
  EXPECT_THROW(mm::MigrationGuard{kInitial}, mm::RequiredMigrationNotApplied);
  EXPECT_EQ(threads_in_this_process(), 1);
}

TEST(SkipInTests, TestModePassesGuardsWithoutAsking) {
  ASSERT_TRUE(mm::testing::test_mode());  // turned on by including testing.h
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config());
  int ran = 0;
  auto guarded = mm::requires_migration(kBackfill)([&] { ++ran; });
  auto strict = mm::requires_migration(kBackfill, {.skip_in_tests = false})([&] { ++ran; });
  guarded();
  EXPECT_EQ(ran, 1);
  EXPECT_THROW(strict(), mm::RequiredMigrationNotApplied);
  EXPECT_EQ(std::filesystem::file_size(dbs.path("default")), 0u);  // nothing was written
  // A typo still fails in tests.
  auto typo = mm::requires_migration("shop:0002_backfil_slugs")([&] { ++ran; });
  EXPECT_THROW(typo(), mm::UnknownMigration);
  {
    mm::testing::ScopedEnforcement enforce;
    EXPECT_THROW(guarded(), mm::RequiredMigrationNotApplied);
  }
  guarded();
  EXPECT_EQ(ran, 2);
}

class FaultyEnforcement : public ::testing::TestWithParam<mm::test::Engine> {
 protected:
  void SetUp() override {
    mm::test::FaultyStore::register_driver();
    mm::Config config = dbs_.config();
    config.databases["default"] = "faulty:" + config.databases["default"];
    mm::configure(config);
    mm::api::get_record(kInitial, "default");  // opens the store
    store_ = mm::test::FaultyStore::for_alias("default");
    ASSERT_NE(store_, nullptr);
    mm::testing::mark_applied(kInitial, "shop_db");
  }

  // The same databases with another recheck interval; store_ counts from zero.
  void reconfigure(std::chrono::milliseconds recheck) {
    mm::Config config = dbs_.config();
    config.databases["default"] = "faulty:" + config.databases["default"];
    config.guard_not_applied_recheck = recheck;
    mm::configure(config);
    mm::api::get_record(kInitial, "default");
    store_ = mm::test::FaultyStore::for_alias("default");
    ASSERT_NE(store_, nullptr);
  }
  static mm::MigrationRecord applied_record(const mm::MigrationKey& key) {
    mm::Timestamp now = mm::now_timestamp();
    return {.key = key,
            .attempt_uuid = mm::new_attempt_uuid(),
            .initiated_at = now,
            .is_applied = true,
            .applied_at = now};
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default", "shop_db"}};
  mm::testing::ScopedEnforcement enforce_;
  mm::test::FaultyStore* store_ = nullptr;
};

TEST_P(FaultyEnforcement, NegativeAnswersAreAskedAgainEveryTime) {
  mm::MigrationRequirement requirement(kInitial);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
    EXPECT_EQ(store_->is_applied_calls.load(), i);
  }
}

TEST_P(FaultyEnforcement, PositiveAnswersAreAskedOnce) {
  mm::testing::mark_applied(kInitial, "default");
  mm::MigrationRequirement requirement(kInitial);
  for (int i = 0; i < 1000; ++i) requirement.ensure_applied();
  auto guarded = mm::requires_migration(kInitial)([] { return 1; });
  for (int i = 0; i < 1000; ++i) guarded();
  for (int i = 0; i < 1000; ++i) mm::MigrationGuard guard(kInitial);
  // The answer for (migration, alias) is shared by every guard once seen.
  EXPECT_EQ(store_->is_applied_calls.load(), 1);
}

TEST_P(FaultyEnforcement, StoreFailureFailsClosedAndRecovers) {
  mm::testing::mark_applied(kInitial, "default");
  store_->fail_reads = true;
  mm::MigrationRequirement requirement(kInitial);
  try {
    requirement.ensure_applied();
    FAIL();
  } catch (const mm::RequiredMigrationNotApplied& e) {
    EXPECT_EQ(e.missing_aliases(), std::vector<std::string>{"default"});
    EXPECT_NE(e.cause().find("injected read failure"), std::string::npos) << e.cause();
  }
  EXPECT_THROW(mm::migration_is_applied(kInitial, "default"), mm::RecordStoreError);
  store_->fail_reads = false;
  EXPECT_NO_THROW(requirement.ensure_applied());
}

// Starts `threads` checks of `requirement` while the first store call is held until every other
// check waits for it; returns how many were refused.
int refusals_while_the_first_query_is_held(mm::test::FaultyStore& store,
                                            const mm::MigrationRequirement& requirement,
                                            int threads) {
  std::atomic<bool> first{true};
  store.before_is_applied = [&] {
    if (!first.exchange(false)) return;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (mm::testing::guard_checks_waiting() < threads - 1) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "only " << mm::testing::guard_checks_waiting() << " checks waited";
        return;
      }
      std::this_thread::yield();
    }
  };
  std::atomic<int> refused{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&] {
      try {
        requirement.ensure_applied();
      } catch (const mm::RequiredMigrationNotApplied&) {
        ++refused;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  store.before_is_applied = nullptr;
  return refused.load();
}

TEST_P(FaultyEnforcement, ConcurrentChecksShareOneQuery) {
  reconfigure(std::chrono::minutes(1));
  constexpr int kThreads = 8;
  mm::MigrationRequirement requirement(kInitial);
  EXPECT_EQ(refusals_while_the_first_query_is_held(*store_, requirement, kThreads), kThreads);
  EXPECT_EQ(store_->is_applied_calls.load(), 1);
}

TEST_P(FaultyEnforcement, WithoutARecheckIntervalChecksThatCameDuringAQueryShareTheNext) {
  reconfigure(std::chrono::milliseconds(0));
  constexpr int kThreads = 8;
  mm::MigrationRequirement requirement(kInitial);
  EXPECT_EQ(refusals_while_the_first_query_is_held(*store_, requirement, kThreads), kThreads);
  // The held query started before the others asked, so its answer may predate a write they
  // would see: they share one more.
  EXPECT_EQ(store_->is_applied_calls.load(), 2);
  EXPECT_EQ(store_->max_concurrent_is_applied.load(), 1);
}

TEST_P(FaultyEnforcement, NotAppliedIsTrustedForTheRecheckIntervalOnly) {
  mm::testing::ManualGuardClock clock;
  reconfigure(std::chrono::milliseconds(50));
  mm::MigrationRequirement requirement(kInitial);
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
  ASSERT_TRUE(dbs_.open_store("default")->insert_if_absent(applied_record(kInitial)));
  clock.advance(std::chrono::milliseconds(50));
  // Within the interval the answer stands, for every guard on this migration and alias.
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
  EXPECT_THROW(mm::MigrationGuard{kInitial}, mm::RequiredMigrationNotApplied);
  EXPECT_EQ(store_->is_applied_calls.load(), 1);
  clock.advance(std::chrono::nanoseconds(1));
  EXPECT_NO_THROW(requirement.ensure_applied());
  EXPECT_EQ(store_->is_applied_calls.load(), 2);
}

TEST_P(FaultyEnforcement, AResetEndsTheRecheckInterval) {
  mm::testing::ManualGuardClock clock;
  reconfigure(std::chrono::minutes(1));
  mm::MigrationRequirement requirement(kInitial);
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
  ASSERT_TRUE(dbs_.open_store("default")->insert_if_absent(applied_record(kInitial)));
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
  EXPECT_EQ(store_->is_applied_calls.load(), 1);
  mm::reset_guard_cache();
  EXPECT_NO_THROW(requirement.ensure_applied());
  EXPECT_EQ(store_->is_applied_calls.load(), 2);
}

TEST_P(FaultyEnforcement, StoreFailuresAreNotTrustedForTheRecheckInterval) {
  mm::testing::ManualGuardClock clock;
  reconfigure(std::chrono::minutes(1));
  store_->fail_reads = true;
  mm::MigrationRequirement requirement(kInitial);
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
  store_->fail_reads = false;
  // The failure is asked again at once; the "not applied" it then reads is trusted.
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
  EXPECT_THROW(requirement.ensure_applied(), mm::RequiredMigrationNotApplied);
  EXPECT_EQ(store_->is_applied_calls.load(), 2);
}

TEST_P(FaultyEnforcement, ACheckAfterAResetNeverSharesAnAnswerReadBeforeIt) {
  mm::testing::mark_applied(kInitial, "default");
  std::latch read_done(1), release(1);
  std::atomic<bool> first{true};
  // The first query reads "applied", then stays in flight until released.
  store_->after_is_applied = [&] {
    if (first.exchange(false)) {
      read_done.count_down();
      release.wait();
    }
  };
  mm::MigrationRequirement early(kInitial);
  std::thread a([&] { early.ensure_applied(); });
  read_done.wait();
  // The record goes away and the cache is reset while that query is still in flight.
  dbs_.open_store("default")->remove(kInitial);
  mm::reset_guard_cache();
  mm::MigrationRequirement late(kInitial);
  std::atomic<bool> late_refused{false};
  std::thread b([&] {
    try {
      late.ensure_applied();
    } catch (const mm::RequiredMigrationNotApplied&) {
      late_refused = true;
    }
  });
  release.count_down();  // before or after b joins the flight: b must not share its answer
  a.join();
  b.join();
  EXPECT_TRUE(late_refused.load());
  EXPECT_THROW(late.ensure_applied(), mm::RequiredMigrationNotApplied);
  EXPECT_THROW(early.ensure_applied(), mm::RequiredMigrationNotApplied);
}

INSTANTIATE_TEST_SUITE_P(Engines, FaultyEnforcement, mm::test::kEngines, mm::test::engine_name);

}  // namespace
