#include <string>

#include "massmigration/errors.h"
#include "massmigration/httplib.h"
#include "massmigration/log.h"
#include "string_building.h"

namespace massmigration::internal {

bool refuse_unless_applied(const MigrationRequirement& requirement,
                           std::chrono::seconds retry_after, const httplib::Request& request,
                           httplib::Response& response) {
  try {
    requirement.ensure_applied();
    return false;
  } catch (const RequiredMigrationNotApplied& e) {
    response.status = 503;
    response.set_header("Retry-After", std::to_string(retry_after.count()));
    response.set_content(kMigrationPendingBody, "text/plain; charset=utf-8");
    log(LogLevel::kWarning,
        strings::cat("refused ", request.method, " ", request.path, " with 503: ", e.what()));
  } catch (const MigrationError& e) {
    response.status = 500;
    response.set_content("Internal Server Error", "text/plain; charset=utf-8");
    log(LogLevel::kError,
        strings::cat("misconfigured guard on ", request.method, " ", request.path, ": ", e.what()));
  }
  return true;
}

}  // namespace massmigration::internal
