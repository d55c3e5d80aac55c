// Waiting for what another process leaves in a record: a status that arrives with the passing
// of the run lease (STALLED), checked a few times a second rather than slept for.
#ifndef MASSMIGRATION_TESTS_SUPPORT_AWAIT_STATUS_H_
#define MASSMIGRATION_TESTS_SUPPORT_AWAIT_STATUS_H_

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>

#include "massmigration/api.h"

namespace massmigration::test {

// Until the record of `key` on `alias` shows one of `statuses` (api::migration_status); false
// when `limit` passed first.
inline bool await_status(const MigrationKey& key, const std::string& alias,
                         std::initializer_list<MigrationStatus> statuses,
                         std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const MigrationStatus now = api::migration_status(key, alias);
    for (MigrationStatus wanted : statuses) {
      if (now == wanted) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Until the record of `key` on `alias` shows a heartbeat later than `after`: its run is alive.
inline bool await_heartbeat_after(const MigrationKey& key, const std::string& alias,
                                  Timestamp after,
                                  std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::optional<MigrationRecord> record = api::get_record(key, alias);
    if (record && record->heartbeat_at && *record->heartbeat_at > after) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Until a killed run's record may be resumed: STALLED once its lease has passed, or ERRORED.
inline bool await_resumable(const MigrationKey& key, const std::string& alias) {
  return await_status(key, alias, {MigrationStatus::kStalled, MigrationStatus::kErrored});
}

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_AWAIT_STATUS_H_
