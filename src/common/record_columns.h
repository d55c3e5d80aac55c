// Internal: the record's columns in the order every store selects them (key, app_label, name,
// attempt_uuid, initiated_at, is_applied, applied_at, has_error, last_error, was_faked,
// rows_done, rows_total, checkpoint, owner, heartbeat_at, run_status, tuned_chunk_size,
// tuned_pause_ms, rows_done_at_start, attempt_started_at, then the database's clock), made into
// a row of views. Not API.
#ifndef MASSMIGRATION_SRC_COMMON_RECORD_COLUMNS_H_
#define MASSMIGRATION_SRC_COMMON_RECORD_COLUMNS_H_

#include <string_view>

#include "massmigration/record_row.h"

namespace massmigration::record_columns {

// How many columns a store selects for a record.
inline constexpr int kCount = 21;

// The row whose field from column `c` is `text(c)`, or `time(c)` for the times. Both give
// std::optional<std::string_view>, nullopt for NULL, and are called in the order of the row's
// fields, once each.
template <typename Text, typename Time>
StoredRecordView view(Text text, Time time) {
  return {.key = text(0).value_or(std::string_view()),
          .app_label = text(1),
          .name = text(2),
          .attempt_uuid = text(3),
          .initiated_at = time(4),
          .is_applied = text(5),
          .applied_at = time(6),
          .has_error = text(7),
          .last_error = text(8),
          .was_faked = text(9),
          .rows_done = text(10),
          .rows_total = text(11),
          .checkpoint = text(12),
          .rows_done_at_start = text(18),
          .owner = text(13),
          .heartbeat_at = time(14),
          .run_status = text(15),
          .tuned_chunk_size = text(16),
          .tuned_pause_ms = text(17),
          .attempt_started_at = time(19),
          .read_at = time(20)};
}

}  // namespace massmigration::record_columns

#endif  // MASSMIGRATION_SRC_COMMON_RECORD_COLUMNS_H_
