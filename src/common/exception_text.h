// Internal: how a failure is written into last_error. Not API.
#ifndef MASSMIGRATION_SRC_COMMON_EXCEPTION_TEXT_H_
#define MASSMIGRATION_SRC_COMMON_EXCEPTION_TEXT_H_

#include <string>

namespace massmigration::internal {

// "ExceptionType: message" for the exception being handled. REQUIRES: inside a catch block.
std::string describe_current_exception();

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_COMMON_EXCEPTION_TEXT_H_
