// Internal: what keeps a SQLite database file from being created or written, told from the
// file system alone, so that messages say "permission denied" rather than SQLite's "unable to
// open database file". Not API.
#ifndef MASSMIGRATION_ADAPTERS_SQLITE_FILE_ACCESS_H_
#define MASSMIGRATION_ADAPTERS_SQLITE_FILE_ACCESS_H_

#include <filesystem>
#include <optional>
#include <string>

namespace massmigration::sqlite::internal {

// Why the database at `file` cannot be used read-write: its directory is missing, is not a
// directory, or does not let this process create files (the database, its WAL and its shared
// memory file); or the file exists and this process may not read and write it. nullopt when
// none of that is so. Opens nothing: only stat() and access(), so it answers for the
// process's own user (root included) and for read-only file systems.
std::optional<std::string> file_access_problem(const std::filesystem::path& file);

}  // namespace massmigration::sqlite::internal

#endif  // MASSMIGRATION_ADAPTERS_SQLITE_FILE_ACCESS_H_
