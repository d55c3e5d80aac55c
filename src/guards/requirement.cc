#include "guards/requirement.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "guards/test_mode.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "process_counters.h"
#include "string_building.h"

namespace massmigration::internal {

Requirement::Requirement(UncheckedKey key, GuardOptions options, std::string guarded)
    : key_text_(key.text()),
      first_(key.first()),
      second_(key.second()),
      is_pair_(key.is_pair()),
      options_(std::move(options)),
      guarded_(std::move(guarded)) {}

UncheckedKey Requirement::unchecked() const {
  return is_pair_ ? UncheckedKey(first_, second_) : UncheckedKey(std::string_view(first_));
}

bool Requirement::same_as(const UncheckedKey& key, const GuardOptions& options) const {
  return key.is_pair() == is_pair_ && key.first() == first_ && key.second() == second_ &&
         options.db_aliases == options_.db_aliases &&
         options.skip_in_tests == options_.skip_in_tests && options.name == options_.name;
}

MigrationKey Requirement::registered_key() const {
  MigrationKey key = unchecked().parse();
  get_migration(key);  // throws UnknownMigration
  return key;
}

std::shared_ptr<const Requirement::Resolved> Requirement::resolve(
    std::shared_ptr<const Installation> installation) {
  {
    MutexLock lock(&mu_);
    if (resolved_ && resolved_->installation == installation) return resolved_;
  }
  MigrationKey key = registered_key();
  const Migration& migration = get_migration(key);
  std::vector<std::string> runs_on = installation->effective_aliases(migration);
  std::vector<std::string> required = options_.db_aliases.empty() ? runs_on : options_.db_aliases;
  for (const std::string& alias : options_.db_aliases) {
    installation->require_database(alias);  // UnknownDatabaseAlias first: the clearer mistake
    if (std::find(runs_on.begin(), runs_on.end(), alias) == runs_on.end()) {
      throw DbAliasNotAllowed(key.str(), alias, runs_on);
    }
  }
  auto resolved = std::make_shared<Resolved>(Resolved{installation, key, {}});
  for (const std::string& alias : required) {
    resolved->required.emplace_back(&installation->require_database(alias),
                                    &applied_cache().entry(key, alias));
  }
  MutexLock lock(&mu_);
  resolved_ = resolved;
  return resolved;
}

Requirement::Outcome Requirement::evaluate(const Resolved& resolved, std::uint64_t epoch) {
  Outcome outcome;
  if (resolved.required.empty()) {
    outcome.missing.push_back("(no database)");
    outcome.cause = strings::cat("migration ", resolved.key.str(),
                                 " may run on no configured database (check allowed_db_aliases "
                                 "and routing)");
    return outcome;
  }
  const GuardClock::duration recheck = resolved.installation->config().guard_not_applied_recheck;
  for (size_t i = 0; i < resolved.required.size(); ++i) {
    auto [database, entry] = resolved.required[i];
    StoreAnswer answer = entry->ask(*database, resolved.key, epoch, recheck);
    if (answer.kind == StoreAnswer::Kind::kApplied) continue;
    outcome.missing.push_back(database->alias());
    if (answer.kind == StoreAnswer::Kind::kUnknown) {
      // The guard refuses whatever the others say; asking them could cost a deadline each
      // (several hung servers), so a refusal takes at most one.
      outcome.cause = answer.cause;
      outcome.error = answer.error;
      std::vector<std::string> not_asked;
      for (size_t j = i + 1; j < resolved.required.size(); ++j) {
        not_asked.push_back(resolved.required[j].first->alias());
      }
      if (!not_asked.empty()) {
        strings::append(outcome.cause, " (not asked: ", absl::StrJoin(not_asked, ", "), ")");
      }
      break;
    }
  }
  return outcome;
}

Requirement::Outcome Requirement::check(const Resolved& resolved, std::uint64_t epoch) {
  Outcome outcome = evaluate(resolved, epoch);
  if (outcome.applied()) flag.applied_epoch.store(epoch, std::memory_order_release);
  return outcome;
}

void Requirement::ensure_applied_slow() {
  if (options_.skip_in_tests && guards_skip_in_tests()) {
    registered_key();  // a typo still fails in tests
    return;
  }
  // Epoch before installation: configure() swaps the installation before advancing the epoch,
  // so an answer stamped with this epoch cannot come from an older one than the current one.
  const std::uint64_t epoch = g_cache_epoch.load(std::memory_order_acquire);
  std::shared_ptr<const Installation> installation = current_installation();
  if (!installation) {
    throw RequiredMigrationNotApplied(key_text_, {}, guarded_,
                                      "massmigration is not configured: call "
                                      "massmigration::configure() first");
  }
  std::shared_ptr<const Resolved> resolved = resolve(std::move(installation));
  Outcome outcome = check(*resolved, epoch);
  if (outcome.applied()) return;
  count_guard_refusal(resolved->key.str());
  throw RequiredMigrationNotApplied(resolved->key.str(), std::move(outcome.missing), guarded_,
                                    std::move(outcome.cause));
}

bool Requirement::is_applied() {
  if (flag.holds()) return true;
  const std::uint64_t epoch = g_cache_epoch.load(std::memory_order_acquire);
  Outcome outcome = check(*resolve(require_installation()), epoch);
  if (outcome.error) std::rethrow_exception(outcome.error);
  return outcome.applied();
}

std::optional<CheckProblem> Requirement::problem() {
  try {
    resolve(require_installation());
    return std::nullopt;
  } catch (const MigrationError& e) {
    return CheckProblem{strings::cat("guard for ", guarded_), e.what()};
  }
}

namespace {

struct LiveRequirements {
  Mutex mu;
  std::vector<std::weak_ptr<Requirement>> all ABSL_GUARDED_BY(mu);
};

LiveRequirements& live() {
  static LiveRequirements* l = new LiveRequirements;  // guards may be statics of any TU
  return *l;
}

}  // namespace

std::shared_ptr<Requirement> make_requirement(UncheckedKey key, GuardOptions options,
                                              std::string guarded, bool is_guard) {
  auto requirement = std::make_shared<Requirement>(key, std::move(options), std::move(guarded));
  if (!is_guard) return requirement;
  LiveRequirements& l = live();
  MutexLock lock(&l.mu);
  // Forget dead ones now and then so that short-lived guards do not accumulate.
  if (l.all.size() >= 64 && (l.all.size() & (l.all.size() - 1)) == 0) {
    std::erase_if(l.all, [](const std::weak_ptr<Requirement>& w) { return w.expired(); });
  }
  l.all.push_back(requirement);
  return requirement;
}

std::vector<std::shared_ptr<Requirement>> live_requirements() {
  LiveRequirements& l = live();
  MutexLock lock(&l.mu);
  std::vector<std::shared_ptr<Requirement>> result;
  for (const std::weak_ptr<Requirement>& w : l.all) {
    if (auto r = w.lock()) result.push_back(std::move(r));
  }
  return result;
}

}  // namespace massmigration::internal
