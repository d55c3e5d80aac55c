// Internal: counting what process_metrics() reports (metrics.h). Not API.
#ifndef MASSMIGRATION_SRC_COMMON_PROCESS_COUNTERS_H_
#define MASSMIGRATION_SRC_COMMON_PROCESS_COUNTERS_H_

#include <chrono>
#include <string>

namespace massmigration::internal {

void count_guard_refusal(const std::string& key);
void count_chunk(std::chrono::steady_clock::duration took);
void count_worker_claim();

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_COMMON_PROCESS_COUNTERS_H_
