// RunSession's chunk queue for drivers that keep none: every call says so. And what a driver
// with one may leave to the calls it has.
#include "massmigration/errors.h"
#include "massmigration/record_store.h"

namespace massmigration {
namespace {

[[noreturn]] void no_chunk_queue() {
  throw DatabaseError("",
                      "this database's driver keeps no chunk queue, which the workers backend "
                      "needs (PostgreSQL and SQLite keep one)");
}

}  // namespace

bool RunSession::insert_record_if_absent(const MigrationRecord&) { no_chunk_queue(); }

void RunSession::replace_chunks(const MigrationKey&, const std::vector<ChunkRange>&) {
  no_chunk_queue();
}

std::optional<ClaimedChunk> RunSession::claim_chunk(std::string_view, std::string_view,
                                                    std::chrono::milliseconds) {
  no_chunk_queue();
}

std::optional<std::int64_t> RunSession::complete_chunk(std::int64_t, std::string_view,
                                                       std::int64_t) {
  no_chunk_queue();
}

std::optional<CompletedChunk> RunSession::complete_and_claim_next(std::int64_t id,
                                                                  std::string_view claim,
                                                                  std::int64_t rows,
                                                                  const NextClaim& next) {
  const std::optional<std::int64_t> others_open = complete_chunk(id, claim, rows);
  if (!others_open) return std::nullopt;
  CompletedChunk completed{.others_open = *others_open};
  if (*others_open > 0) completed.next = claim_chunk(next.worker, next.claim, next.lease);
  return completed;
}

std::optional<int> RunSession::release_chunk(std::int64_t, std::string_view,
                                             const std::optional<std::string>&) {
  no_chunk_queue();
}

bool RunSession::extend_claim(std::int64_t, std::string_view, std::chrono::milliseconds) {
  no_chunk_queue();
}

// A driver without a queue has no chunks to count.
std::int64_t RunSession::unfinished_chunks(const MigrationKey&) { return 0; }

ChunkCounts RunSession::count_chunks(const MigrationKey&) { return {}; }

void RunSession::end_if_idle_for(std::chrono::milliseconds) {}

void RunSession::make_durable() {}

}  // namespace massmigration
