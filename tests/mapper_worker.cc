// Helper for mapper_test: runs a mapper of support/resumable_mapper.cc on database URL in this
// process until it is killed at STOP: a row id (map:0001_resumable stops inside that row's
// chunk) or a kill point of support/kill_point.h, where MIGRATION (default
// map:0001_resumable) stops.
//
// STOP "pause-after-chunk:N" instead pauses after the Nth chunk committed, between chunks,
// with a run lease of one second: it prints "paused" and waits for a line on standard input,
// then goes on. Its heartbeat thread keeps beating meanwhile, as in a live process.
//
// STOP "step" pauses so after every chunk, printing "chunk ROWS_DONE" each time, so that a
// test can act between any two chunks. "step-cli" does the same while the command line runs
// the rest of the arguments ("run KEY --database default"), with its standard error on
// standard output: what it says about signals comes in order with the chunks. "cli" runs the
// command line so without stopping (e.g. "worker --once"); "cli-1s" with a run lease of one
// second, and "cli-1s:POINT" also stops at kill point POINT (e.g. a worker's
// "chunk-commit-before:3", or "hold:chunk-commit-before:3").
//
// "mapper_worker URL heartbeats KEY ATTEMPT" writes the heartbeat of that record over and
// over, without pause, and says "beating" after the first.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/cli.h"
#include "massmigration/massmigration.h"
#include "support/kill_point.h"
#include "support/resumable_mapper.h"

namespace mm = massmigration;

namespace {

void wait_for_a_line() {
  int c;
  while ((c = std::getchar()) != EOF && c != '\n') {
  }
}

// After every chunk: says "chunk ROWS_DONE", and waits for a line on standard input.
void step_through_chunks() {
  mm::set_progress_listener([](const mm::MigrationProgress& p) {
    if (p.finished) return;
    std::printf("chunk %lld\n", static_cast<long long>(p.rows_done));
    std::fflush(stdout);
    wait_for_a_line();
  });
}

// After the `chunk`th chunk: says "paused", and waits for a line on standard input.
void pause_after_chunk(int chunk) {
  mm::set_progress_listener([chunk, chunks = 0](const mm::MigrationProgress& p) mutable {
    if (p.finished || ++chunks != chunk) return;
    std::printf("paused\n");
    std::fflush(stdout);
    wait_for_a_line();
  });
}

int write_heartbeats(const std::string& url, const mm::MigrationKey& key,
                     const std::string& attempt_uuid) {
  std::unique_ptr<mm::RecordStore> store =
      mm::find_database_driver(mm::url_scheme(url))
          ->open_record_store({.alias = "default", .url = url, .base_directory = "/"});
  if (!store->heartbeat(key, attempt_uuid)) return 1;
  std::printf("beating\n");
  std::fflush(stdout);
  for (;;) store->heartbeat(key, attempt_uuid);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc >= 3 ? argv[2] : "";
  if (mode == "heartbeats" && argc == 5) {
    return write_heartbeats(argv[1], mm::MigrationKey(argv[3]), argv[4]);
  }
  constexpr std::string_view kShortLease = "cli-1s";
  if (mode == "step-cli" || mode == "cli" || mode.starts_with(kShortLease)) {
    dup2(STDOUT_FILENO, STDERR_FILENO);
    setvbuf(stderr, nullptr, _IOLBF, 0);
    if (mode == "step-cli") step_through_chunks();
    mm::Config config;
    config.databases["default"] = argv[1];
    config.pause_between_chunks = std::chrono::milliseconds(0);  // chunks of the set size
    if (mode.starts_with(kShortLease)) {
      config.run_lease = std::chrono::seconds(1);
      if (mode.size() > kShortLease.size()) {
        mm::test::install_kill_point(std::string(mode.substr(kShortLease.size() + 1)));
      }
    }
    mm::configure(config);
    std::vector<char*> cli_args{argv[0]};
    cli_args.insert(cli_args.end(), argv + 3, argv + argc);
    return mm::cli::main(static_cast<int>(cli_args.size()), cli_args.data());
  }
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: mapper_worker URL STOP [MIGRATION]\n");
    return 1;
  }
  try {
    const std::string stop = argv[2];
    mm::Config config;
    constexpr std::string_view kPause = "pause-after-chunk:";
    config.pause_between_chunks = std::chrono::milliseconds(0);  // chunks of the set size
    if (stop == "step") {
      step_through_chunks();
    } else if (stop.find_first_not_of("0123456789") == std::string::npos) {
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
