// Helper for concurrency_test: waits for its standard input to close (the starting gun), then
// tries to create the record of KEY in the SQLite file DB. Prints the attempt UUID it tried.
// Exit status: 0 created it, 3 found one already there, 1 failed.
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "massmigration/massmigration.h"
#include "massmigration/sqlite.h"

namespace mm = massmigration;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: race_starter DB KEY\n");
    return 1;
  }
  try {
    auto store = mm::sqlite::open_record_store("default", {.path = argv[1]});
    mm::MigrationRecord record{.key = mm::MigrationKey(argv[2]),
                               .attempt_uuid = mm::new_attempt_uuid(),
                               .initiated_at = mm::now_timestamp()};
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    bool created = store->insert_if_absent(record);
    std::printf("%s\n", record.attempt_uuid.c_str());
    return created ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "race_starter: %s\n", e.what());
    return 1;
  }
}
