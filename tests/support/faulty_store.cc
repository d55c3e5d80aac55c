#include "faulty_store.h"

#include <map>
#include <mutex>

#include "massmigration/errors.h"

namespace massmigration::test {
namespace {

std::mutex& stores_mu() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, FaultyStore*>& stores() {
  static std::map<std::string, FaultyStore*> s;
  return s;
}

class FaultyDriver : public DatabaseDriver {
 public:
  static DatabaseTarget inner(const DatabaseTarget& target) {
    DatabaseTarget real = target;
    real.url = target.url.substr(std::string("faulty:").size());
    return real;
  }
  static std::shared_ptr<const DatabaseDriver> real_driver(const DatabaseTarget& real) {
    auto driver = find_database_driver(url_scheme(real.url));
    if (!driver) throw std::invalid_argument("faulty: wraps an unknown scheme");
    return driver;
  }
  void validate(const DatabaseTarget& target) const override {
    DatabaseTarget real = inner(target);
    real_driver(real)->validate(real);
  }
  std::unique_ptr<RecordStore> open_record_store(const DatabaseTarget& target) const override {
    DatabaseTarget real = inner(target);
    auto store = std::make_unique<FaultyStore>(real_driver(real)->open_record_store(real));
    std::lock_guard lock(stores_mu());
    stores()[target.alias] = store.get();
    return store;
  }
};

}  // namespace

FaultyStore* FaultyStore::for_alias(const std::string& alias) {
  std::lock_guard lock(stores_mu());
  auto it = stores().find(alias);
  return it == stores().end() ? nullptr : it->second;
}

void FaultyStore::register_driver() {
  register_database_driver("faulty", std::make_shared<FaultyDriver>());
}

bool FaultyStore::is_applied(const MigrationKey& key) {
  ++is_applied_calls;
  int now = ++concurrent_is_applied;
  int seen = max_concurrent_is_applied.load();
  while (now > seen && !max_concurrent_is_applied.compare_exchange_weak(seen, now)) {
  }
  struct Leave {
    std::atomic<int>& n;
    ~Leave() { --n; }
  } leave{concurrent_is_applied};
  if (before_is_applied) before_is_applied();
  if (fail_reads) throw RecordStoreError("faulty", "injected read failure");
  bool applied = ForwardingStore::is_applied(key);
  if (after_is_applied) after_is_applied();
  return applied;
}

}  // namespace massmigration::test
