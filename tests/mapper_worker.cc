// Helper for mapper_test: runs a mapper of support/resumable_mapper.cc on database URL in this
// process until it is killed at STOP: a row id (map:0001_resumable stops inside that row's
// chunk) or a kill point of support/kill_point.h, where MIGRATION (default
// map:0001_resumable) stops.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "massmigration/massmigration.h"
#include "support/kill_point.h"
#include "support/resumable_mapper.h"

namespace mm = massmigration;

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: mapper_worker URL STOP [MIGRATION]\n");
    return 1;
  }
  try {
    const std::string stop = argv[2];
    if (stop.find_first_not_of("0123456789") == std::string::npos) {
      mm::test::resumable_stop_at = std::atoll(stop.c_str());
    } else {
      mm::test::install_kill_point(stop);
    }
    mm::Config config;
    config.databases["default"] = argv[1];
    mm::configure(config);
    mm::api::initiate_migration(argc == 4 ? argv[3] : "map:0001_resumable", "default");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mapper_worker: %s\n", e.what());
    return 1;
  }
}
