#include "massmigration/record.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <random>
#include <tuple>

#include "absl/strings/str_format.h"
#include "host_name.h"
#include "string_building.h"

namespace massmigration {

std::string_view to_string(MigrationStatus status) {
  switch (status) {
    case MigrationStatus::kNotRun:
      return "NOT_RUN";
    case MigrationStatus::kRunning:
      return "RUNNING";
    case MigrationStatus::kStalled:
      return "STALLED";
    case MigrationStatus::kPausing:
      return "PAUSING";
    case MigrationStatus::kPaused:
      return "PAUSED";
    case MigrationStatus::kCancelling:
      return "CANCELLING";
    case MigrationStatus::kCancelled:
      return "CANCELLED";
    case MigrationStatus::kApplied:
      return "APPLIED";
    case MigrationStatus::kErrored:
      return "ERRORED";
    case MigrationStatus::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<MigrationStatus> parse_status(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(MigrationStatus::kUnknown); ++i) {
    const auto status = static_cast<MigrationStatus>(i);
    if (to_string(status) == text) return status;
  }
  return std::nullopt;
}

Timestamp now_timestamp() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// By hand rather than with absl::FormatTime, whose absl::Time comes from the system clock's
// nanoseconds and so overflows past 2262.
std::string format_timestamp(Timestamp time) {
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock{time - day};
  return absl::StrFormat("%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(date.year()),
                         static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                         clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                         clock.subseconds().count());
}

bool operator==(const MigrationRecord& a, const MigrationRecord& b) {
  auto stored = [](const MigrationRecord& r) {
    return std::tie(r.key, r.attempt_uuid, r.initiated_at, r.is_applied, r.applied_at, r.has_error,
                    r.last_error, r.run_status, r.tuning, r.was_faked, r.rows_done, r.rows_total,
                    r.checkpoint, r.rows_done_at_start, r.owner, r.heartbeat_at,
                    r.attempt_started_at);
  };
  return stored(a) == stored(b);
}

bool MigrationRecord::is_stalled(std::chrono::milliseconds lease) const {
  if (!is_live() || !read_at) return false;
  return *read_at - heartbeat_at.value_or(initiated_at) > lease;
}

std::optional<std::chrono::seconds> MigrationRecord::time_left(
    std::chrono::milliseconds lease) const {
  if (!is_live() || is_stalled(lease) || !rows_total || !heartbeat_at) return std::nullopt;
  const std::int64_t done = rows_done - rows_done_at_start;
  // Both by the database's clock when it can: the launching host's may be off.
  const auto elapsed = *heartbeat_at - attempt_started_at.value_or(initiated_at);
  if (done <= 0 || elapsed <= elapsed.zero()) return std::nullopt;
  const std::int64_t left = *rows_total - rows_done;
  // In doubles: rows times microseconds overflows 64 bits within a day of a billion-row run.
  const double seconds = std::chrono::duration<double>(elapsed).count() *
                         static_cast<double>(left) / static_cast<double>(done);
  return std::chrono::seconds(std::llround(seconds));
}

std::string this_process_owner() {
  // Read per call: a forked child is another owner.
  return strings::cat("host ", internal::host_name(), " pid ", getpid());
}

// Years 0000-9999, as the record tables' CHECKs allow. By hand rather than with absl::ParseTime,
// which loads a time zone on its first call: that cost a fresh process's first guarded call about a
// tenth of a millisecond.
std::optional<Timestamp> parse_timestamp(std::string_view text) {
  // 2026-11-21T23:59:00.123456Z: the separators, then the digits, all at fixed places.
  constexpr std::array<std::pair<size_t, char>, 7> kSeparators = {
      {{4, '-'}, {7, '-'}, {10, 'T'}, {13, ':'}, {16, ':'}, {19, '.'}, {26, 'Z'}}};
  constexpr std::array<size_t, 20> kDigitAt = {0,  1,  2,  3,  5,  6,  8,  9,  11, 12,
                                               14, 15, 17, 18, 20, 21, 22, 23, 24, 25};
  if (text.size() != 27) return std::nullopt;
  // Unrolled: a guard's cold check parses two to four of these, and the loops cost it 3%.
#pragma GCC unroll 7
  for (const auto& [at, separator] : kSeparators) {
    if (text[at] != separator) return std::nullopt;
  }
  std::array<int, kDigitAt.size()> digit{};
  bool all_digits = true;
#pragma GCC unroll 20
  for (size_t i = 0; i < kDigitAt.size(); ++i) {
    digit[i] = text[kDigitAt[i]] - '0';
    all_digits &= digit[i] >= 0 && digit[i] <= 9;
  }
  if (!all_digits) return std::nullopt;
  // The number the digits from `first` to `last` write.
  auto number = [&digit](size_t first, size_t last) {
    int value = 0;
    for (size_t i = first; i <= last; ++i) value = value * 10 + digit[i];
    return value;
  };
  const int hour = number(8, 9), minute = number(10, 11), second = number(12, 13);
  const std::chrono::year_month_day date{std::chrono::year{number(0, 3)},
                                         std::chrono::month{static_cast<unsigned>(number(4, 5))},
                                         std::chrono::day{static_cast<unsigned>(number(6, 7))}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second} + std::chrono::microseconds{number(14, 19)};
}

std::string new_attempt_uuid() {
  // One generator per thread, seeded from the OS: no lock, and no two threads share a stream.
  // Reseeded in a forked child, which would otherwise repeat its parent's UUIDs.
  thread_local std::mt19937_64 gen;
  thread_local pid_t seeded_in = 0;
  if (seeded_in != getpid()) {
    std::random_device os;
    std::seed_seq seed{os(), os(), os(), os(), os(), os(), os(), os()};
    gen.seed(seed);
    seeded_in = getpid();
  }
  uint64_t high = gen();
  uint64_t low = gen();
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

}  // namespace massmigration
