// Internal: what a mapper run's record checkpoint says, and the check that a chunk continues
// from it. A sequential run's checkpoint is the last key done; a parallel run's lists its key
// ranges, "ranges:after,upto,last;...". Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_MAPPER_CHECKPOINT_H_
#define MASSMIGRATION_SRC_RUNNERS_MAPPER_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "massmigration/mapper.h"
#include "massmigration/sql.h"

namespace massmigration::internal {

// A failure of a mapper run whose text is the whole error to record.
struct ChunkFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A key range of a parallel run: keys in (after, upto], processed up to `last`.
struct Range {
  std::int64_t after = 0;
  std::int64_t upto = 0;
  std::int64_t last = 0;
};

// The range a worker of a parallel run owns: its index in the checkpoint, and its keys.
using OwnRange = std::pair<std::size_t, Range>;

// A SqlValue to bind for a checkpoint: integers as integers, so comparisons stay numeric.
SqlValue checkpoint_value(const std::string& text);

// The ranges of a parallel run's checkpoint; nullopt for any other checkpoint.
std::optional<std::vector<Range>> parse_ranges(const std::optional<std::string>& checkpoint);

std::string format_ranges(const std::vector<Range>& ranges);

// The checkpoint to store after a chunk that began at `began_at` (within `range` when given)
// and ended with `last_row`, given the record's `current` checkpoint. Throws ChunkFailure when
// `current` is not where the chunk began: chunks committed earlier were lost.
std::string next_checkpoint(const std::optional<std::string>& current,
                            const std::optional<OwnRange>& range,
                            const std::optional<std::string>& began_at, const MapperRow& last_row);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_MAPPER_CHECKPOINT_H_
