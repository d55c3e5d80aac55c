// A forwarding decorator over a real record store that counts calls and fails or blocks on
// cue (in the manner of LevelDB's SpecialEnv). URLs "faulty:<real URL>" open the real store
// and wrap it; FaultyStore::for_alias finds the wrapper a test configured.
#ifndef MASSMIGRATION_TESTS_SUPPORT_FAULTY_STORE_H_
#define MASSMIGRATION_TESTS_SUPPORT_FAULTY_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "massmigration/record_store.h"

namespace massmigration::test {

class FaultyStore : public RecordStore {
 public:
  explicit FaultyStore(std::unique_ptr<RecordStore> real) : real_(std::move(real)) {}

  // The wrapper opened for `alias` by the most recent configure(), or nullptr.
  static FaultyStore* for_alias(const std::string& alias);
  // Makes "faulty:" URLs work. Idempotent.
  static void register_driver();

  std::atomic<int> is_applied_calls{0};
  std::atomic<int> concurrent_is_applied{0};
  std::atomic<int> max_concurrent_is_applied{0};
  // While set, is_applied throws RecordStoreError with this text.
  std::atomic<bool> fail_reads{false};
  // Called inside is_applied before and after the real read (tests block here).
  std::function<void()> before_is_applied;
  std::function<void()> after_is_applied;

  bool is_applied(const MigrationKey& key) override;
  std::optional<MigrationRecord> get(const MigrationKey& key) override { return real_->get(key); }
  RecordListing list() override { return real_->list(); }
  bool insert_if_absent(const MigrationRecord& r) override { return real_->insert_if_absent(r); }
  bool replace_if(const MigrationRecord& r, std::string_view attempt,
                  MigrationStatus status) override {
    return real_->replace_if(r, attempt, status);
  }
  void upsert(const MigrationRecord& r) override { real_->upsert(r); }
  bool remove(const MigrationKey& key) override { return real_->remove(key); }
  bool remove_if(const MigrationKey& key, std::string_view attempt,
                 MigrationStatus status) override {
    return real_->remove_if(key, attempt, status);
  }

 private:
  std::unique_ptr<RecordStore> real_;
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_FAULTY_STORE_H_
