#include "records/audit.h"

#include <exception>

#include "massmigration/log.h"
#include "string_building.h"

namespace massmigration::internal {

void record_event(RecordStore& store, MigrationEvent event) {
  if (event.actor.empty()) event.actor = this_process_owner();
  try {
    store.record_event(event);
  } catch (const std::exception& e) {
    log(LogLevel::kWarning,
        strings::cat("migration ", event.key.str(), " on ", event.alias, ": ", event.action,
                     " happened, but the audit trail missed it: ", e.what()));
  }
}

}  // namespace massmigration::internal
