// Helper for mapper_test: runs map:0001_resumable (support/resumable_mapper.cc) on database
// URL in this process, stopping inside row STOP_AT's chunk until it is killed.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "massmigration/massmigration.h"
#include "support/resumable_mapper.h"

namespace mm = massmigration;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mapper_worker URL STOP_AT\n");
    return 1;
  }
  try {
    mm::test::resumable_stop_at = std::atoll(argv[2]);
    mm::Config config;
    config.databases["default"] = argv[1];
    mm::configure(config);
    mm::api::initiate_migration("map:0001_resumable", "default");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mapper_worker: %s\n", e.what());
    return 1;
  }
}
