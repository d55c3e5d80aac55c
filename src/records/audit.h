// Internal: writing the audit trail (massmigration_event). Not API.
#ifndef MASSMIGRATION_SRC_RECORDS_AUDIT_H_
#define MASSMIGRATION_SRC_RECORDS_AUDIT_H_

#include <string>

#include "massmigration/record_store.h"

namespace massmigration::internal {

// Appends `event` to the audit trail of its database, by `actor` (this_process_owner() when
// empty). The action it tells has already happened, so a failure to write is logged and
// swallowed: the trail then misses a line, while the record says what happened. Never throws.
void record_event(RecordStore& store, MigrationEvent event);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RECORDS_AUDIT_H_
