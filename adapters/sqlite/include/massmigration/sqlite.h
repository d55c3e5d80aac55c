// The SQLite record store, the embedded default, for URLs "sqlite:///absolute/path.db" and
// "sqlite:relative/path.db" (see config.h). Linking massmigration::massmigration registers it;
// nothing needs to be called. This header is for programs that open a store directly or wrap
// the driver (tests injecting faults).
//
// The store creates its database file and table `massmigration_record` on the first write,
// in WAL mode so that guards read while a migration writes. Reads never create the file: a
// missing file is an error, and guards refuse. A locked database is waited for up to
// busy_timeout_ms, then reported as RecordStoreError.
#ifndef MASSMIGRATION_SQLITE_H_
#define MASSMIGRATION_SQLITE_H_

#include <chrono>
#include <filesystem>
#include <memory>

#include "massmigration/record_store.h"

namespace massmigration::sqlite {

struct Location {
  std::filesystem::path path;  // absolute
  std::chrono::milliseconds busy_timeout{5000};
  // How often an open connection checks that its file was not replaced (a restore, a
  // remount), in which case it reopens. The check is a stat(), so not on every read.
  std::chrono::milliseconds replaced_file_check{1000};
};

// Parses a sqlite URL; throws std::invalid_argument saying what is wrong.
Location parse_url(const DatabaseTarget& target);

std::unique_ptr<RecordStore> open_record_store(const std::string& alias, const Location& location);

// The registered driver for scheme "sqlite".
std::shared_ptr<const DatabaseDriver> driver();

}  // namespace massmigration::sqlite

#endif  // MASSMIGRATION_SQLITE_H_
