#include "process_counters.h"

#include <array>
#include <atomic>
#include <map>

#include "massmigration/metrics.h"
#include "mutex.h"

namespace massmigration {
namespace {

// Chunk durations in seconds: from a few rows in memory to a chunk that holds its database for
// a minute.
constexpr std::array<double, 12> kChunkBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,   0.25,   0.5,   1,    5,     60};

struct Counters {
  Mutex mutex;
  std::map<std::string, std::int64_t> refusals ABSL_GUARDED_BY(mutex);
  std::array<std::atomic<std::int64_t>, kChunkBounds.size()> chunk_buckets{};  // not cumulative
  std::atomic<std::int64_t> chunks{0};
  std::atomic<std::int64_t> chunk_nanoseconds{0};
  std::atomic<std::int64_t> worker_claims{0};
};

Counters& counters() {
  static Counters* counters = new Counters;  // runs may outlive static destruction
  return *counters;
}

}  // namespace

namespace internal {

void count_guard_refusal(const std::string& key) {
  Counters& c = counters();
  MutexLock lock(&c.mutex);
  ++c.refusals[key];
}

void count_chunk(std::chrono::steady_clock::duration took) {
  Counters& c = counters();
  const double seconds = std::chrono::duration<double>(took).count();
  for (size_t i = 0; i < kChunkBounds.size(); ++i) {
    if (seconds <= kChunkBounds[i]) {
      c.chunk_buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  c.chunk_nanoseconds.fetch_add(std::chrono::nanoseconds(took).count(), std::memory_order_relaxed);
  c.chunks.fetch_add(1, std::memory_order_relaxed);
}

void count_worker_claim() { counters().worker_claims.fetch_add(1, std::memory_order_relaxed); }

}  // namespace internal

ProcessMetrics process_metrics() {
  Counters& c = counters();
  ProcessMetrics metrics;
  {
    MutexLock lock(&c.mutex);
    metrics.guard_refusals = c.refusals;
  }
  std::int64_t cumulative = 0;
  for (size_t i = 0; i < kChunkBounds.size(); ++i) {
    cumulative += c.chunk_buckets[i].load(std::memory_order_relaxed);
    metrics.chunk_bucket_bounds.push_back(kChunkBounds[i]);
    metrics.chunk_bucket_counts.push_back(cumulative);
  }
  metrics.chunks = c.chunks.load(std::memory_order_relaxed);
  metrics.chunk_seconds = static_cast<double>(c.chunk_nanoseconds.load()) / 1e9;
  metrics.worker_claims = c.worker_claims.load(std::memory_order_relaxed);
  return metrics;
}

}  // namespace massmigration
