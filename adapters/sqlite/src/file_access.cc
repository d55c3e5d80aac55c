#include "file_access.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "absl/strings/ascii.h"
#include "string_building.h"

namespace massmigration::sqlite::internal {
namespace {

// EPERM comes from an immutable directory or a security module: for the user, still "permission
// denied".
std::string access_failure(int error) {
  if (error == EACCES || error == EPERM) return "permission denied";
  return absl::AsciiStrToLower(std::strerror(error));
}

}  // namespace

std::optional<std::string> file_access_problem(const std::filesystem::path& file) {
  const std::filesystem::path directory = file.parent_path();
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(directory, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return strings::cat("the directory ", directory.string(), " does not exist");
  }
  if (error) {
    return strings::cat("the directory ", directory.string(),
                        " cannot be used: ", access_failure(error.value()));
  }
  if (!std::filesystem::is_directory(status)) {
    return strings::cat(directory.string(), " is not a directory");
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    return strings::cat(access_failure(errno), ": cannot create files in the directory ",
                        directory.string());
  }
  if (::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), R_OK | W_OK) != 0) {
    return strings::cat(access_failure(errno), ": cannot read and write the file ", file.string());
  }
  return std::nullopt;
}

}  // namespace massmigration::sqlite::internal
