// A guard's store query that runs out of memory while describing its failure still ends, so
// the callers after it are answered instead of waiting forever for a query nobody runs. The
// binary replaces operator new to fail on cue, which is why this suite has a program of its
// own.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <stdexcept>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/engines.h"
#include "support/faulty_store.h"
#include "support/test_migrations.h"

namespace {

thread_local bool t_out_of_memory = false;

}  // namespace

// GCC 12 takes the replacement operator delete's free() for a mismatch with operator new.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  if (t_out_of_memory) throw std::bad_alloc();
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace {

namespace mm = massmigration;
using mm::test::kInitial;

TEST(GuardOutOfMemory, AQueryThatRunsOutOfMemoryStillEndsForTheCallersAfterIt) {
  mm::test::FaultyStore::register_driver();
  mm::test::TestDatabases dbs{mm::test::Engine::kSqlite, {"default", "shop_db"}};
  mm::Config config = dbs.config();
  config.databases["default"] = "faulty:" + config.databases["default"];
  mm::configure(config);
  mm::testing::ScopedEnforcement enforce;
  mm::api::get_record(kInitial, "default");  // opens the store
  mm::test::FaultyStore* store = mm::test::FaultyStore::for_alias("default");
  ASSERT_NE(store, nullptr);
  // The store fails, and from then on this thread has no memory: describing the failure
  // (a RecordStoreError and its message) fails too.
  std::atomic<bool> first{true};
  store->before_is_applied = [&] {
    if (!first.exchange(false)) return;
    t_out_of_memory = true;
    throw std::bad_alloc();
  };
  bool ran_out = false;
  try {
    mm::MigrationGuard guard(kInitial);
  } catch (const std::bad_alloc&) {
    ran_out = true;
  }
  t_out_of_memory = false;
  EXPECT_TRUE(ran_out);
  // The next caller is answered (before the fix it waited for the first query forever).
  EXPECT_THROW(mm::MigrationGuard guard(kInitial), mm::RequiredMigrationNotApplied);
  EXPECT_EQ(store->is_applied_calls.load(), 2);
  mm::testing::mark_applied(kInitial, "default");
  mm::testing::mark_applied(kInitial, "shop_db");
  mm::MigrationGuard allowed(kInitial);
}

}  // namespace
