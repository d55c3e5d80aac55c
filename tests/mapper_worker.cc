// Helper for mapper_test: runs a mapper of support/resumable_mapper.cc on database URL in this
// process until it is killed at STOP: a row id (map:0001_resumable stops inside that row's
// chunk) or a kill point of support/kill_point.h, where MIGRATION (default
// map:0001_resumable) stops.
//
// STOP "pause-after-chunk:N" instead pauses after the Nth chunk committed, between chunks,
// with a run lease of one second: it prints "paused" and waits for a line on standard input,
// then goes on. Its heartbeat thread keeps beating meanwhile, as in a live process.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "massmigration/massmigration.h"
#include "support/kill_point.h"
#include "support/resumable_mapper.h"

namespace mm = massmigration;

namespace {

// After the `chunk`th chunk: says "paused", and waits for a line on standard input.
void pause_after_chunk(int chunk) {
  mm::set_progress_listener([chunk, chunks = 0](const mm::MigrationProgress& p) mutable {
    if (p.finished || ++chunks != chunk) return;
    std::printf("paused\n");
    std::fflush(stdout);
    int c;
    while ((c = std::getchar()) != EOF && c != '\n') {
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: mapper_worker URL STOP [MIGRATION]\n");
    return 1;
  }
  try {
    const std::string stop = argv[2];
    mm::Config config;
    constexpr std::string_view kPause = "pause-after-chunk:";
    if (stop.find_first_not_of("0123456789") == std::string::npos) {
      mm::test::resumable_stop_at = std::atoll(stop.c_str());
    } else if (stop.starts_with(kPause)) {
      pause_after_chunk(std::atoi(stop.c_str() + kPause.size()));
      config.run_lease = std::chrono::seconds(1);
    } else {
      mm::test::install_kill_point(stop);
    }
    config.databases["default"] = argv[1];
    mm::configure(config);
    mm::api::initiate_migration(argc == 4 ? argv[3] : "map:0001_resumable", "default");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mapper_worker: %s\n", e.what());
    return 1;
  }
}
