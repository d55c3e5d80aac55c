// Checkpoints of mapper runs: their encoding, and that each chunk continues the last one.
#include "runners/mapper_checkpoint.h"

#include <charconv>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

// Parallel checkpoints: "ranges:after,upto,last;after,upto,last;...".
constexpr std::string_view kRangesPrefix = "ranges:";

}  // namespace

SqlValue checkpoint_value(const std::string& text) {
  std::int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc() && end == text.data() + text.size() && std::to_string(number) == text) {
    return number;
  }
  return text;
}

std::optional<std::vector<Range>> parse_ranges(const std::optional<std::string>& checkpoint) {
  if (!checkpoint || !checkpoint->starts_with(kRangesPrefix)) return std::nullopt;
  std::vector<Range> ranges;
  const std::string list = checkpoint->substr(kRangesPrefix.size());
  for (const std::string& part : std::vector<std::string>(absl::StrSplit(list, ';'))) {
    std::vector<std::string> fields = absl::StrSplit(part, ',');
    Range r;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[0], &r.after) ||
        !absl::SimpleAtoi(fields[1], &r.upto) || !absl::SimpleAtoi(fields[2], &r.last)) {
      return std::nullopt;
    }
    ranges.push_back(r);
  }
  return ranges;
}

std::string format_ranges(const std::vector<Range>& ranges) {
  std::vector<std::string> parts;
  for (const Range& r : ranges) parts.push_back(strings::cat(r.after, ",", r.upto, ",", r.last));
  return strings::cat(kRangesPrefix, absl::StrJoin(parts, ";"));
}

std::string next_checkpoint(const std::optional<std::string>& current,
                            const std::optional<OwnRange>& range,
                            const std::optional<std::string>& began_at, const MapperRow& last_row) {
  // The stored checkpoint must be where this chunk began. A chunk's commit does not wait for
  // the disk, so a database server that crashed and came back may have lost the previous
  // chunk with its checkpoint, while this process went on: carrying on would skip that
  // chunk's rows for good.
  std::optional<std::string> stored = current;
  std::vector<Range> all;
  if (range) {
    all = parse_ranges(current).value_or(std::vector<Range>{});
    stored.reset();
    if (range->first < all.size()) stored = std::to_string(all[range->first].last);
  }
  if (stored != began_at) {
    throw ChunkFailure(strings::cat(
        "the record's checkpoint is ", stored.value_or("none"), ", not ", began_at.value_or("none"),
        " where this chunk began: chunks committed earlier were lost (did the database "
        "restart?); resume to redo them"));
  }
  if (!range) return last_row.key_text();
  all[range->first].last = std::get<std::int64_t>(last_row.key());
  return format_ranges(all);
}

}  // namespace massmigration::internal
