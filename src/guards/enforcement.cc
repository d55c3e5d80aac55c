#include "massmigration/enforcement.h"

#include <filesystem>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_join.h"
#include "guards/requirement.h"
#include "massmigration/registry.h"
#include "string_building.h"

namespace massmigration {

namespace internal {
struct RequirementAccess {
  static MigrationRequirement make(UncheckedKey key, GuardOptions options, std::string guarded,
                                   bool is_guard) {
    return MigrationRequirement(
        make_requirement(key, std::move(options), std::move(guarded), is_guard));
  }
  static bool matches(const MigrationRequirement& requirement, const UncheckedKey& key,
                      const GuardOptions& options) {
    return requirement.impl_->same_as(key, options);
  }
};
}  // namespace internal

namespace {

std::string describe_site(const GuardOptions& options, const internal::CallSite& where) {
  if (!options.name.empty()) return options.name;
  std::string file = std::filesystem::path(where.file_name()).filename().string();
  std::string_view function = where.function_name();
  if (function.empty()) return strings::cat(file, ":", where.line());
  return strings::cat(function, " at ", file, ":", where.line());
}

// MigrationGuard and migration_is_applied take a key per call; resolving it each time would
// cost a parse and lookups. Requirements are interned once per process by everything that
// identifies them (never freed, so references to them stay valid, even during exit), and each
// thread keeps its own index to them so that a repeat costs one hash lookup without a lock.
class InternTable {
 public:
  const MigrationRequirement& get(UncheckedKey key, const GuardOptions& options,
                                  std::string_view site_id, std::string guarded, bool is_guard) {
    std::string id = strings::cat(site_id, "\x1f", key.is_pair(), "\x1f", key.first(), "\x1f",
                                  key.second(), "\x1f", absl::StrJoin(options.db_aliases, "\x1e"),
                                  "\x1f", options.skip_in_tests, "\x1f", options.name);
    MutexLock lock(&mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
      it = by_id_
               .emplace(std::move(id), internal::RequirementAccess::make(
                                           key, options, std::move(guarded), is_guard))
               .first;
    }
    return it->second;
  }

 private:
  Mutex mu_;
  // Node-based: entries never move, so the per-thread indexes may point at them.
  absl::node_hash_map<std::string, MigrationRequirement> by_id_ ABSL_GUARDED_BY(mu_);
};

InternTable& interned() {
  static InternTable* table = new InternTable;  // guards may run during static destruction
  return *table;
}

struct SiteId {
  const void* file;
  std::uint_least32_t line;
  std::uint_least32_t column;
  friend bool operator==(const SiteId&, const SiteId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SiteId& s) {
    return H::combine(std::move(h), s.file, s.line, s.column);
  }
};

// Set when this thread's index is destroyed (thread exit; for the main thread, before static
// destructors run): guards running after that take the locked path instead. Trivially
// destructible, so it outlives the index.
thread_local constinit bool t_index_destroyed = false;

struct SiteIndex {
  ~SiteIndex() { t_index_destroyed = true; }
  absl::flat_hash_map<SiteId, std::vector<const MigrationRequirement*>> by_site;
};

const MigrationRequirement& find_requirement(const UncheckedKey& key, const GuardOptions& options,
                                             const internal::CallSite& where, bool is_guard) {
  auto intern = [&]() -> const MigrationRequirement& {
    std::string site_id = strings::cat(where.file_name(), ":", where.line(), ":", where.column());
    return interned().get(key, options, site_id, describe_site(options, where), is_guard);
  };
  if (t_index_destroyed) return intern();
  thread_local SiteIndex index;
  std::vector<const MigrationRequirement*>& candidates =
      index.by_site[SiteId{where.file_name(), where.line(), where.column()}];
  for (const MigrationRequirement* candidate : candidates) {
    if (internal::RequirementAccess::matches(*candidate, key, options)) return *candidate;
  }
  const MigrationRequirement& found = intern();
  candidates.push_back(&found);
  return found;
}

}  // namespace

MigrationRequirement::MigrationRequirement(UncheckedKey key, GuardOptions options,
                                           internal::CallSite where)
    : MigrationRequirement(
          internal::make_requirement(key, options, describe_site(options, where), true)) {}

MigrationRequirement::MigrationRequirement(std::shared_ptr<internal::Requirement> impl)
    : impl_(std::move(impl)), flag_(&impl_->flag) {}

void MigrationRequirement::ensure_applied_slow() const { impl_->ensure_applied_slow(); }
bool MigrationRequirement::is_applied() const { return impl_->is_applied(); }
const std::string& MigrationRequirement::key_text() const { return impl_->key_text(); }
const std::string& MigrationRequirement::guarded() const { return impl_->guarded(); }

void MigrationGuard::ensure_applied(UncheckedKey key, const GuardOptions& options,
                                    internal::CallSite where) {
  find_requirement(key, options, where, /*is_guard=*/true).ensure_applied();
}

bool migration_is_applied(UncheckedKey key, std::string_view alias) {
  GuardOptions options{.skip_in_tests = false};
  if (!alias.empty()) options.db_aliases.emplace_back(alias);
  // A query, not a guard: check() does not report it, and a bad key is refused before
  // anything is interned, so keys from input cannot make the table grow.
  get_migration(key.parse());
  // One site for every call: the options and key tell the requirements apart.
  static constexpr internal::CallSite kSite(SourceSite::current());
  return find_requirement(key, options, kSite, /*is_guard=*/false).is_applied();
}

void reset_guard_cache() { internal::advance_cache_epoch(); }

}  // namespace massmigration
