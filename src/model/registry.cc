#include "massmigration/registry.h"

#include <exception>
#include <map>

#include "absl/base/thread_annotations.h"
#include "massmigration/errors.h"
#include "model/registry_internal.h"
#include "mutex.h"
#include "string_building.h"

namespace massmigration {
namespace {

struct PendingRegistration {
  std::string app_label;
  std::string migration_id;
  internal::MigrationFactory factory;
  std::string site;  // "file:line"
};

struct Registered {
  std::unique_ptr<Migration> migration;
  std::string site;
};

// Registrations arrive during static initialisation, before anything may be instantiated, so
// they wait in `pending_` until the first read turns them into instances.
class Registry {
 public:
  void add(PendingRegistration registration) {
    MutexLock lock(&mu_);
    pending_.push_back(std::move(registration));
  }

  template <typename Fn>
  auto read(Fn fn) {
    MutexLock lock(&mu_);
    absorb_pending();
    return fn(registered_, problems_);
  }

 private:
  void absorb_pending() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (PendingRegistration& pending : pending_) absorb(pending);
    pending_.clear();
  }

  void absorb(PendingRegistration& pending) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string where = strings::cat("registration at ", pending.site);
    std::optional<MigrationKey> key;
    try {
      key.emplace(pending.app_label, pending.migration_id);
    } catch (const InvalidMigrationKey& e) {
      problems_.push_back({where, e.what()});
      return;
    }
    if (auto it = registered_.find(*key); it != registered_.end()) {
      problems_.push_back(
          {where, strings::cat("migration ", key->str(), " is registered twice: here and at ",
                               it->second.site)});
      return;
    }
    std::unique_ptr<Migration> migration;
    try {
      migration = pending.factory();
    } catch (const std::exception& e) {
      problems_.push_back(
          {where, strings::cat("constructing migration ", key->str(), " threw: ", e.what())});
      return;
    }
    internal::MigrationAccess::set_key(*migration, *key);
    registered_.emplace(*std::move(key), Registered{std::move(migration), pending.site});
  }

  Mutex mu_;
  std::vector<PendingRegistration> pending_ ABSL_GUARDED_BY(mu_);
  std::map<MigrationKey, Registered> registered_ ABSL_GUARDED_BY(mu_);
  std::vector<CheckProblem> problems_ ABSL_GUARDED_BY(mu_);
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: migrations outlive static destructors
  return *r;
}

using RegisteredMap = std::map<MigrationKey, Registered>;

}  // namespace

namespace internal {

bool register_migration(std::string_view app_label, std::string_view migration_id,
                        MigrationFactory factory, const char* file, int line) noexcept {
  try {
    registry().add({std::string(app_label), std::string(migration_id), factory,
                    strings::cat(file, ":", line)});
    return true;
  } catch (...) {
    return false;  // out of memory during static initialisation; nothing sensible to do
  }
}

std::vector<CheckProblem> registration_problems() {
  return registry().read(
      [](const RegisteredMap&, const std::vector<CheckProblem>& problems) { return problems; });
}

std::string registration_site(const MigrationKey& key) {
  return registry().read([&](const RegisteredMap& registered, const std::vector<CheckProblem>&) {
    auto it = registered.find(key);
    return it == registered.end() ? std::string() : it->second.site;
  });
}

}  // namespace internal

std::vector<const Migration*> get_all_migrations() {
  return registry().read([](const RegisteredMap& registered, const std::vector<CheckProblem>&) {
    std::vector<const Migration*> all;
    all.reserve(registered.size());
    for (const auto& [key, entry] : registered) all.push_back(entry.migration.get());
    return all;
  });
}

const Migration* find_migration(const MigrationKey& key) {
  return registry().read([&](const RegisteredMap& registered, const std::vector<CheckProblem>&) {
    auto it = registered.find(key);
    return it == registered.end() ? nullptr
                                  : static_cast<const Migration*>(it->second.migration.get());
  });
}

std::vector<std::string> registered_keys() {
  std::vector<std::string> keys;
  for (const Migration* migration : get_all_migrations()) keys.push_back(migration->key().str());
  return keys;
}

const Migration& get_migration(const MigrationKey& key) {
  if (const Migration* migration = find_migration(key)) return *migration;
  throw UnknownMigration(key.str(), registered_keys());
}

}  // namespace massmigration
