// A record store that hands every call to a real one: the base of the test wrappers
// (FaultyStore, the kill points' store), so that each overrides only what it changes.
#ifndef MASSMIGRATION_TESTS_SUPPORT_FORWARDING_STORE_H_
#define MASSMIGRATION_TESTS_SUPPORT_FORWARDING_STORE_H_

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "massmigration/record_store.h"

namespace massmigration::test {

class ForwardingStore : public RecordStore {
 public:
  explicit ForwardingStore(std::unique_ptr<RecordStore> real) : real_(std::move(real)) {}

  bool is_applied(const MigrationKey& key) override { return real_->is_applied(key); }
  std::optional<MigrationRecord> get(const MigrationKey& key) override { return real_->get(key); }
  RecordListing list() override { return real_->list(); }
  bool insert_if_absent(const MigrationRecord& record) override {
    return real_->insert_if_absent(record);
  }
  bool replace_if(const MigrationRecord& record, std::string_view attempt_uuid,
                  MigrationStatus status) override {
    return real_->replace_if(record, attempt_uuid, status);
  }
  bool control_run(const MigrationKey& key, std::string_view attempt_uuid, MigrationStatus from,
                   MigrationStatus to, const RunTuning& tuning) override {
    return real_->control_run(key, attempt_uuid, from, to, tuning);
  }
  bool heartbeat(const MigrationKey& key, std::string_view attempt_uuid) override {
    return real_->heartbeat(key, attempt_uuid);
  }
  bool remove(const MigrationKey& key) override { return real_->remove(key); }
  void record_event(const MigrationEvent& event) override { real_->record_event(event); }
  std::vector<MigrationEvent> events(const MigrationKey& key) override {
    return real_->events(key);
  }
  bool remove_if(const MigrationKey& key, std::string_view attempt_uuid,
                 MigrationStatus status) override {
    return real_->remove_if(key, attempt_uuid, status);
  }

 private:
  const std::unique_ptr<RecordStore> real_;
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_FORWARDING_STORE_H_
