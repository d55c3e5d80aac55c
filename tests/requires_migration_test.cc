// requires_migration keeps the wrapped callable's signature, return type and value category.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::kInitial;

namespace {

int global_value = 7;
void returns_nothing(int& out) { out = 1; }
int& returns_reference() { return global_value; }
const int& returns_const_reference() { return global_value; }
// Only its type is used (decltype below): Clang would call it unneeded.
[[maybe_unused]] int&& returns_rvalue_reference() { return std::move(global_value); }
std::unique_ptr<int> takes_and_returns_move_only(std::unique_ptr<int> p) { return p; }
std::string overload_free(const std::string& s) { return s + "!"; }

auto guard = mm::requires_migration(kInitial);

using VoidFn = decltype(guard(returns_nothing));
using RefFn = decltype(guard(returns_reference));
using ConstRefFn = decltype(guard(returns_const_reference));
using RvalueFn = decltype(guard(returns_rvalue_reference));
using MoveOnlyFn = decltype(guard(takes_and_returns_move_only));

static_assert(std::is_same_v<std::invoke_result_t<VoidFn&, int&>, void>);
static_assert(std::is_same_v<std::invoke_result_t<RefFn&>, int&>);
static_assert(std::is_same_v<std::invoke_result_t<ConstRefFn&>, const int&>);
static_assert(std::is_same_v<std::invoke_result_t<RvalueFn&>, int&&>);
static_assert(
    std::is_same_v<std::invoke_result_t<MoveOnlyFn&, std::unique_ptr<int>>, std::unique_ptr<int>>);
// Wrong arguments are rejected the way the original rejects them (SFINAE-friendly).
static_assert(!std::is_invocable_v<VoidFn&, const int&>);
static_assert(!std::is_invocable_v<MoveOnlyFn&, std::unique_ptr<int>&>);
static_assert(!std::is_invocable_v<RefFn&, int>);

// Guard checks pass in these tests: the migration is applied in SetUp.
class RequiresMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    mm::configure(dbs_.config());
    mm::testing::mark_applied(kInitial, "default");
    mm::testing::mark_applied(kInitial, "shop_db");
  }
  mm::testing::TemporaryDatabases dbs_{{"default", "shop_db"}};
  mm::testing::ScopedEnforcement enforce_;
};

TEST_F(RequiresMigration, ForwardsVoidAndReferences) {
  int out = 0;
  guard(returns_nothing)(out);
  EXPECT_EQ(out, 1);
  auto ref = guard(returns_reference);
  ref() = 9;
  EXPECT_EQ(global_value, 9);
  EXPECT_EQ(&guard(returns_const_reference)(), &global_value);
}

TEST_F(RequiresMigration, ForwardsMoveOnlyArgumentsAndResults) {
  auto fn = guard(takes_and_returns_move_only);
  std::unique_ptr<int> result = fn(std::make_unique<int>(5));
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(*result, 5);
}

TEST_F(RequiresMigration, KeepsLambdaStateAcrossCalls) {
  auto counter = guard([n = 0]() mutable { return ++n; });
  EXPECT_EQ(counter(), 1);
  EXPECT_EQ(counter(), 2);
  auto copy = counter;  // copies share the requirement, not the state
  EXPECT_EQ(copy(), 3);
  EXPECT_EQ(counter(), 3);
}

TEST_F(RequiresMigration, WorksWithMoveOnlyCallablesAndGenericLambdas) {
  auto owner = guard([p = std::make_unique<int>(4)](int x) { return *p + x; });
  EXPECT_EQ(owner(1), 5);
  auto generic = guard([](auto a, auto b) { return a + b; });
  EXPECT_EQ(generic(1, 2), 3);
  EXPECT_EQ(generic(std::string("a"), std::string("b")), "ab");
  EXPECT_EQ(guard(overload_free)("hi"), "hi!");
}

TEST_F(RequiresMigration, PassesRvalueCallOperatorThrough) {
  struct OnlyOnRvalue {
    int operator()() && { return 11; }
  };
  auto fn = guard(OnlyOnRvalue{});
  EXPECT_EQ(std::move(fn)(), 11);
  static_assert(!std::is_invocable_v<decltype(fn)&>);
}

TEST_F(RequiresMigration, RefusesWithoutCallingAndKeepsTheWrappedStateUntouched) {
  mm::testing::mark_not_applied(kInitial, "default");
  int calls = 0;
  auto counted = guard([&calls] { return ++calls; });
  EXPECT_THROW(counted(), mm::RequiredMigrationNotApplied);
  EXPECT_EQ(calls, 0);
}

}  // namespace
