// Internal: this machine's name, as records and the audit trail show it. Not API.
#ifndef MASSMIGRATION_SRC_COMMON_HOST_NAME_H_
#define MASSMIGRATION_SRC_COMMON_HOST_NAME_H_

#include <string>

namespace massmigration::internal {

// The host name, or "(unknown)" when the system cannot tell. Read on each call: a name can
// change while a long-lived process runs.
std::string host_name();

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_COMMON_HOST_NAME_H_
