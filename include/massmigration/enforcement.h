// Enforcement: refuse to run code until a migration is applied on every database it needs.
//
//   auto list_products = mm::requires_migration("shop:0002_backfill_slugs")(list_products_impl);
//   auto report = mm::requires_migration({"shop", "0002_backfill_slugs"},
//                                        {.db_aliases = {"shop_db"}})(report_impl);
//   void checkout() {
//     MASSMIGRATION_GUARD("shop:0002_backfill_slugs");  // throws here when not applied
//     ...
//   }
//
// What a guard promises:
// - It runs the wrapped code only once the migration is applied on every required alias:
//   by default every alias the migration may run on (allowed_db_aliases, narrowed by routing);
//   GuardOptions::db_aliases narrows that to a subset. Otherwise it throws
//   RequiredMigrationNotApplied naming the migration, the missing aliases and what it guards,
//   and the wrapped code is not called.
// - It fails closed: when a record store cannot answer (database down, file unreadable, locked
//   past its timeout, massmigration not configured) it refuses, and cause() says why.
// - Misuse is an error on every use until fixed: InvalidMigrationKey for a malformed key,
//   UnknownMigration for an unregistered one, DbAliasNotAllowed for a db_aliases entry outside
//   the migration's aliases. Nothing is thrown when a guard is created (it may be a static), so
//   run check() (check.h) at start-up to find every misconfigured guard before traffic.
// - Once a guard has seen its migration applied, it never asks the database again in this
//   process: applied migrations do not become unapplied in normal operation, and this keeps the
//   check to two atomic loads. reset_guard_cache() (tests, admin tools) and configure() make
//   every guard ask again.
// - "Not applied" is never trusted for long: it is trusted for Config::guard_not_applied_recheck
//   (default 5 ms, TOML [guards] not_applied_recheck_ms) from the moment its query started, so
//   a migration applied since (here or elsewhere) is seen by the first call after that
//   interval, or at once after reset_guard_cache(). Meanwhile, and always among concurrent
//   callers, every guard on a (migration, alias) shares one query: a hot refused guard sends
//   about one query per interval, not one per call. With the interval at 0, every call asks,
//   sharing only a query that started after it asked. Store failures are never trusted: the
//   next call that finds no query under way asks again.
// - In test mode (testing.h) a guard with skip_in_tests (the default) checks only that its key
//   is well formed and registered, then lets the call through.
//
// Thread safety: guards, requirements and migration_is_applied may be used from any number of
// threads at once; reset_guard_cache() and configure() may race with them.
#ifndef MASSMIGRATION_ENFORCEMENT_H_
#define MASSMIGRATION_ENFORCEMENT_H_

#include <concepts>
#include <functional>
#include <memory>
#include "massmigration/source_site.h"
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "massmigration/internal/cache_epoch.h"
#include "massmigration/key.h"

namespace massmigration {

struct GuardOptions {
  // Aliases that must have the migration applied; empty means every alias it may run on.
  std::vector<std::string> db_aliases{};
  // Let calls through without checking while test mode is on (see testing.h).
  bool skip_in_tests = true;
  // What the guard protects, for messages; default: where the guard was written.
  std::string name{};
};

namespace internal {
class Requirement;
struct RequirementAccess;
}  // namespace internal

// A resolved, reusable guard condition: the key and options are parsed and looked up once per
// configuration. Copies share one state. requires_migration and MigrationGuard use it.
class MigrationRequirement {
 public:
  MigrationRequirement(UncheckedKey key, GuardOptions options = {},
                       SourceSite where = SourceSite::current())
      : MigrationRequirement(key, std::move(options), internal::CallSite(where)) {}
  // The same, with the call site as plain data.
  MigrationRequirement(UncheckedKey key, GuardOptions options, internal::CallSite where);

  // Returns when the migration is applied on every required alias; throws otherwise (see the
  // file comment). After the first positive answer: two acquire loads, no lock, no allocation.
  void ensure_applied() const {
    if (flag_->holds()) [[likely]]
      return;
    ensure_applied_slow();
  }

  // The same check as a value: true when applied everywhere required, false when not.
  // Throws RecordStoreError when a store cannot answer, and the misuse errors above. Ignores
  // test mode.
  bool is_applied() const;

  // The key as written.
  const std::string& key_text() const;
  // What the guard protects, for messages.
  const std::string& guarded() const;

 private:
  friend struct internal::RequirementAccess;
  explicit MigrationRequirement(std::shared_ptr<internal::Requirement> impl);
  void ensure_applied_slow() const;

  std::shared_ptr<internal::Requirement> impl_;
  const internal::AppliedFlag* flag_;
};

// A callable that runs `fn` behind a requirement, with the same parameters, return type and
// value category as `fn` (references stay references, move-only arguments and results work).
template <typename F>
class GuardedFunction {
 public:
  GuardedFunction(MigrationRequirement requirement, F fn)
      : requirement_(std::move(requirement)), fn_(std::move(fn)) {}

  template <typename... Args>
  requires std::invocable<F&, Args...>
  decltype(auto) operator()(Args&&... args) & {
    requirement_.ensure_applied();
    return std::invoke(fn_, std::forward<Args>(args)...);
  }
  template <typename... Args>
  requires std::invocable<const F&, Args...>
  decltype(auto) operator()(Args&&... args) const& {
    requirement_.ensure_applied();
    return std::invoke(fn_, std::forward<Args>(args)...);
  }
  template <typename... Args>
  requires std::invocable<F&&, Args...>
  decltype(auto) operator()(Args&&... args) && {
    requirement_.ensure_applied();
    return std::invoke(std::move(fn_), std::forward<Args>(args)...);
  }

  const MigrationRequirement& requirement() const { return requirement_; }

 private:
  MigrationRequirement requirement_;
  F fn_;
};

// What requires_migration(key, options) returns: apply it to a callable.
class RequiresMigration {
 public:
  explicit RequiresMigration(MigrationRequirement requirement)
      : requirement_(std::move(requirement)) {}

  template <typename F>
  GuardedFunction<std::decay_t<F>> operator()(F&& fn) const {
    return GuardedFunction<std::decay_t<F>>(requirement_, std::forward<F>(fn));
  }

  const MigrationRequirement& requirement() const { return requirement_; }

 private:
  MigrationRequirement requirement_;
};

// The decorator: requires_migration(key, options)(callable). Never throws for a bad key or
// alias when called; the guarded callable does, on every call (see the file comment).
inline RequiresMigration requires_migration(
    UncheckedKey key, GuardOptions options = {},
    SourceSite where = SourceSite::current()) {
  return RequiresMigration(MigrationRequirement(key, std::move(options), where));
}

// RAII guard: its constructor returns only when the migration is applied (see the file
// comment); it holds nothing afterwards. The requirement form costs nothing more than
// ensure_applied(). The key form reuses one resolved requirement per call site and options, but
// finds it in a per-thread table on every call (tens of nanoseconds); where that matters, write
// MASSMIGRATION_GUARD (below) or keep a static MigrationRequirement.
class MigrationGuard {
 public:
  explicit MigrationGuard(UncheckedKey key, const GuardOptions& options = {},
                          SourceSite where = SourceSite::current()) {
    ensure_applied(key, options, internal::CallSite(where));
  }
  explicit MigrationGuard(const MigrationRequirement& requirement) { requirement.ensure_applied(); }
  MigrationGuard(const MigrationGuard&) = delete;
  MigrationGuard& operator=(const MigrationGuard&) = delete;

 private:
  static void ensure_applied(UncheckedKey key, const GuardOptions& options,
                             internal::CallSite where);
};

// MASSMIGRATION_GUARD(key) or MASSMIGRATION_GUARD(key, options): a MigrationGuard statement
// whose requirement is resolved once per call site, so a hit costs what a requires_migration
// wrapper costs (no lookup). The call site is known from program start: check() reports a
// misconfigured one before the code ever runs. The key and options must not depend on the
// call: they may name constants and literals but no local variable or parameter (the compiler
// says such a name "is not captured"); use MigrationGuard(key, options) for keys chosen at run
// time.
//
//   void checkout() {
//     MASSMIGRATION_GUARD("shop:0002_backfill_slugs", {.db_aliases = {"shop_db"}});
//     ...
//   }
#define MASSMIGRATION_GUARD(...)                                                         \
  static constexpr ::massmigration::SourceSite MASSMIGRATION_INTERNAL_NAME(site_) =     \
      ::massmigration::SourceSite::current();                                            \
  const ::massmigration::MigrationGuard MASSMIGRATION_INTERNAL_NAME(guard_)(             \
      ::massmigration::internal::site_requirement(                                       \
          []() -> const ::massmigration::MigrationRequirement& {                         \
            static const ::massmigration::MigrationRequirement requirement =             \
                ::massmigration::internal::requirement_at(MASSMIGRATION_INTERNAL_NAME(site_), \
                                                          __VA_ARGS__);                  \
            return requirement;                                                          \
          }))

namespace internal {
#define MASSMIGRATION_INTERNAL_CONCAT2(a, b) a##b
#define MASSMIGRATION_INTERNAL_CONCAT(a, b) MASSMIGRATION_INTERNAL_CONCAT2(a, b)
#define MASSMIGRATION_INTERNAL_NAME(prefix) \
  MASSMIGRATION_INTERNAL_CONCAT(massmigration_guard_##prefix, __LINE__)

inline MigrationRequirement requirement_at(const SourceSite& where, UncheckedKey key,
                                           GuardOptions options = {}) {
  return MigrationRequirement(key, std::move(options), where);
}

// Creates every MASSMIGRATION_GUARD's requirement during static initialisation, so that check()
// knows the call site before it runs.
template <typename Get>
struct SiteRegistration {
  static inline const bool registered = (Get{}(), true);
};

template <typename Get>
const MigrationRequirement& site_requirement(Get get) {
  (void)SiteRegistration<Get>::registered;
  return get();
}
}  // namespace internal

// True when the migration is applied on `alias`, or, with no alias, on every alias it may run
// on. Shares the guards' cache. Throws InvalidMigrationKey, UnknownMigration, DbAliasNotAllowed
// (alias outside the migration's aliases), RecordStoreError when the store cannot answer.
bool migration_is_applied(UncheckedKey key, std::string_view alias = {});

// Makes every guard in this process ask its database again on next use.
void reset_guard_cache();

}  // namespace massmigration

#endif  // MASSMIGRATION_ENFORCEMENT_H_
