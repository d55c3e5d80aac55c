// A forwarding decorator over a real record store that counts calls and fails or blocks on
// cue (in the manner of LevelDB's SpecialEnv). URLs "faulty:<real URL>" open the real store
// and wrap it; FaultyStore::for_alias finds the wrapper a test configured.
#ifndef MASSMIGRATION_TESTS_SUPPORT_FAULTY_STORE_H_
#define MASSMIGRATION_TESTS_SUPPORT_FAULTY_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "forwarding_store.h"
#include "massmigration/record_store.h"

namespace massmigration::test {

class FaultyStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

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
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_FAULTY_STORE_H_
