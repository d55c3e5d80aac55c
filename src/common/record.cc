#include "massmigration/record.h"

#include <unistd.h>

#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "string_building.h"

namespace massmigration {

std::string_view to_string(MigrationStatus status) {
  switch (status) {
    case MigrationStatus::kNotRun:
      return "NOT_RUN";
    case MigrationStatus::kRunning:
      return "RUNNING";
    case MigrationStatus::kApplied:
      return "APPLIED";
    case MigrationStatus::kErrored:
      return "ERRORED";
    case MigrationStatus::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

Timestamp now_timestamp() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

namespace {
constexpr char kTimestampFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";
}  // namespace

std::string format_timestamp(Timestamp time) {
  return absl::FormatTime(kTimestampFormat, absl::FromChrono(time), absl::UTCTimeZone());
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(kTimestampFormat, strings::piece(text), absl::UTCTimeZone(), &time,
                       &error)) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<std::chrono::microseconds>(absl::ToChronoTime(time));
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
