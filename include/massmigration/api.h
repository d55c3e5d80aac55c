// Record APIs for one migration on one alias: read, fake, delete. Launching comes with the
// backends. Every function validates first and changes nothing on bad input:
// UnknownMigration for an unregistered key, UnknownDatabaseAlias for an alias that is not
// configured, RecordStoreError when the database cannot answer.
//
// Thread safety: all functions may be called concurrently.
#ifndef MASSMIGRATION_API_H_
#define MASSMIGRATION_API_H_

#include <optional>
#include <string_view>

#include "massmigration/key.h"
#include "massmigration/record.h"

namespace massmigration::api {

// The record, or nullopt when the migration has not been run there (NOT_RUN).
std::optional<MigrationRecord> get_record(const MigrationKey& key, std::string_view alias);

// Marks the migration applied without running it (was_faked = true), replacing any record.
// Throws CannotRunOnDB when the migration may not run on `alias`.
void fake_migration(const MigrationKey& key, std::string_view alias);

// Deletes the record so the migration can run again; true when there was one. Guards in this
// process forget their positive answers (the cache is reset).
bool delete_record(const MigrationKey& key, std::string_view alias);

}  // namespace massmigration::api

#endif  // MASSMIGRATION_API_H_
