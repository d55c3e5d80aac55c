#include "resumable_mapper.h"

#include <unistd.h>

#include <cstdio>

#include "massmigration/massmigration.h"

namespace mm = massmigration;

namespace massmigration::test {
std::atomic<std::int64_t> resumable_stop_at{-1};
}  // namespace massmigration::test

namespace {

class Resumable : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "25"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "work"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    if (std::get<std::int64_t>(row.key()) == mm::test::resumable_stop_at) {
      std::printf("stopping\n");
      std::fflush(stdout);
      char byte;
      while (read(STDIN_FILENO, &byte, 1) >= 0) {
      }
    }
    ctx.execute("INSERT INTO done_rows (id) VALUES ($1)", row.key());
  }
};

class Counted : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "25"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "counted"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    ctx.execute("UPDATE counted SET times = times + 1 WHERE id = $1", row.key());
  }
};

class CountedInParallel : public Counted {
 public:
  mm::BackendParams backend_params() const override {
    return {{"chunk_size", "25"}, {"workers", "4"}};
  }
};

class CountedSingly : public Counted {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "1"}}; }
};

// Rows with a key divisible by three: 66 of counted's 200, in two full chunks and 16 rows.
class CountedEveryThird : public Counted {
 public:
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "counted", .filter = "id % 3 = $1", .filter_params = {std::int64_t{0}}};
  }
};

}  // namespace

MASSMIGRATION_REGISTER(Resumable, "map", "0001_resumable");
MASSMIGRATION_REGISTER(Counted, "map", "0002_counted");
MASSMIGRATION_REGISTER(CountedInParallel, "map", "0003_counted_parallel");
MASSMIGRATION_REGISTER(CountedSingly, "map", "0004_counted_singly");
MASSMIGRATION_REGISTER(CountedEveryThird, "map", "0009_counted_every_third");
