// BackendParams: free-form settings a migration passes to its backend.
#ifndef MASSMIGRATION_MIGRATION_PARAMS_H_
#define MASSMIGRATION_MIGRATION_PARAMS_H_

#include <map>
#include <string>

namespace massmigration {

// e.g. {"chunk_size", "500"} for mappers, or whatever a custom backend reads.
using BackendParams = std::map<std::string, std::string>;

}  // namespace massmigration

#endif  // MASSMIGRATION_MIGRATION_PARAMS_H_
