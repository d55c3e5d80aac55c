#include "kill_point.h"

#include <sqlite3.h>
#include <unistd.h>

#include <any>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>

#include "forwarding_store.h"
#include "massmigration/record_store.h"

namespace massmigration::test {
namespace {

enum class Where {
  kClaimCommitAfter,
  kChunkCommitBefore,
  kChunkCommitInside,
  kChunkCommitAfter,
  kSplitCommitBefore,
  kSplitCommitAfter,
  kFinishBefore,
  kFinishAfter,
};

struct KillPoint {
  std::string name;
  Where where = Where::kChunkCommitBefore;
  int chunk = 0;      // the chunk points' N
  bool hold = false;  // "hold:POINT": wait for a line on standard input, then go on
};

KillPoint g_point;  // set before any session exists
// Commits and record writes take turns, so that when one stops, no other is half done.
std::mutex g_writing;
int g_chunk_commits = 0;  // guarded by g_writing
int g_claim_commits = 0;  // guarded by g_writing
std::atomic<bool> g_stopped{false};

// Waits for SIGKILL.
[[noreturn]] void wait_to_be_killed() {
  for (;;) pause();
}

// The point is reached: say so once, then wait; later arrivals only wait. Held (called with
// g_writing locked, so that no other commit or record write passes meanwhile): wait for a
// line on standard input, then go on.
void stop_here() {
  if (g_point.hold) {
    std::printf("held at %s\n", g_point.name.c_str());
    std::fflush(stdout);
    int c;
    while ((c = std::getchar()) != EOF && c != '\n') {
    }
    return;
  }
  if (!g_stopped.exchange(true)) {
    std::printf("stopped at %s\n", g_point.name.c_str());
    std::fflush(stdout);
  }
  wait_to_be_killed();
}

// Once stopped, nothing more may reach the database.
void wait_if_stopped() {
  if (g_stopped.load()) wait_to_be_killed();
}

void stop_inside_commit(SqlSession& session) {
  std::any handle = session.native_handle();
  sqlite3** db = std::any_cast<sqlite3*>(&handle);
  if (!db) {
    std::fprintf(stderr, "kill point %s needs SQLite\n", g_point.name.c_str());
    std::_Exit(2);
  }
  // Called by SQLite with the COMMIT under way and the write lock held.
  sqlite3_commit_hook(
      *db,
      [](void*) -> int {
        stop_here();
        return 0;  // go on with the commit, held
      },
      nullptr);
}

class StoppingSession : public RunSession {
 public:
  StoppingSession(std::unique_ptr<RunSession> real, bool chunk)
      : real_(std::move(real)), chunk_(chunk) {}

  std::int64_t execute(std::string_view sql, std::span<const SqlValue> params) override {
    return real_->execute(sql, params);
  }
  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params) override {
    return real_->query(sql, params);
  }
  void query_each(std::string_view sql, std::span<const SqlValue> params,
                  const std::function<void(std::span<SqlValue>)>& each) override {
    real_->query_each(sql, params, each);
  }
  void send(std::string_view sql, std::span<const SqlValue> params) override {
    real_->send(sql, params);
  }
  void wait_for_sent() override { real_->wait_for_sent(); }
  bool replace_record_if(const MigrationRecord& record, std::string_view attempt_uuid,
                         MigrationStatus status) override {
    if (record.checkpoint && record.checkpoint->starts_with("ranges:") && !record.rows_done) {
      splitting_ = true;  // a parallel run records its key ranges before any chunk
    }
    return real_->replace_record_if(record, attempt_uuid, status);
  }
  std::optional<RecordedChunk> advance_record(
      const MigrationKey& key, std::string_view attempt_uuid, std::int64_t rows,
      const std::function<std::string(const std::optional<std::string>&)>& next_checkpoint)
      override {
    return real_->advance_record(key, attempt_uuid, rows, next_checkpoint);
  }
  void commit() override {
    std::lock_guard lock(g_writing);
    wait_if_stopped();
    const bool at_chunk = chunk_ && ++g_chunk_commits == g_point.chunk;
    if (at_chunk && g_point.where == Where::kChunkCommitBefore) stop_here();
    if (at_chunk && g_point.where == Where::kChunkCommitInside) stop_inside_commit(*real_);
    if (splitting_ && g_point.where == Where::kSplitCommitBefore) stop_here();
    real_->commit();
    if (claimed_ && ++g_claim_commits == g_point.chunk &&
        g_point.where == Where::kClaimCommitAfter) {
      stop_here();
    }
    if (at_chunk && g_point.where == Where::kChunkCommitAfter) stop_here();
    if (splitting_ && g_point.where == Where::kSplitCommitAfter) stop_here();
  }
  std::any native_handle() override { return real_->native_handle(); }

  // The chunk queue; a worker's chunk is the transaction that completes one (and may claim the
  // next), not one that only claims, extends or gives up a claim (in chunk sessions too).
  bool insert_record_if_absent(const MigrationRecord& record) override {
    return real_->insert_record_if_absent(record);
  }
  void replace_chunks(const MigrationKey& key, const std::vector<ChunkRange>& ranges) override {
    real_->replace_chunks(key, ranges);
  }
  std::optional<ClaimedChunk> claim_chunk(std::string_view worker, std::string_view claim,
                                          std::chrono::milliseconds lease) override {
    chunk_ = completed_;
    std::optional<ClaimedChunk> claimed = real_->claim_chunk(worker, claim, lease);
    claimed_ = claimed.has_value();
    return claimed;
  }
  std::optional<std::int64_t> complete_chunk(std::int64_t id, std::string_view claim,
                                             std::int64_t rows) override {
    chunk_ = completed_ = true;
    return real_->complete_chunk(id, claim, rows);
  }
  std::optional<int> release_chunk(std::int64_t id, std::string_view claim,
                                   const std::optional<std::string>& error) override {
    chunk_ = false;
    return real_->release_chunk(id, claim, error);
  }
  bool extend_claim(std::int64_t id, std::string_view claim,
                    std::chrono::milliseconds lease) override {
    chunk_ = false;
    return real_->extend_claim(id, claim, lease);
  }
  std::int64_t unfinished_chunks(const MigrationKey& key) override {
    return real_->unfinished_chunks(key);
  }
  ChunkCounts count_chunks(const MigrationKey& key) override { return real_->count_chunks(key); }
  void end_if_idle_for(std::chrono::milliseconds idle) override { real_->end_if_idle_for(idle); }
  void make_durable() override { real_->make_durable(); }

 private:
  std::unique_ptr<RunSession> real_;
  bool chunk_;
  bool splitting_ = false;
  bool claimed_ = false;    // a worker's claim of a chunk
  bool completed_ = false;  // a worker's chunk done
};

// Record writes take turns with commits and stop once a kill point is reached; reads pass.
class StoppingStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  bool insert_if_absent(const MigrationRecord& record) override {
    return writing([&] { return ForwardingStore::insert_if_absent(record); });
  }
  bool replace_if(const MigrationRecord& record, std::string_view attempt_uuid,
                  MigrationStatus status) override {
    return writing([&] {
      const bool finishing = record.is_applied && status == MigrationStatus::kRunning;
      if (finishing && g_point.where == Where::kFinishBefore) stop_here();
      const bool replaced = ForwardingStore::replace_if(record, attempt_uuid, status);
      if (finishing && g_point.where == Where::kFinishAfter) stop_here();
      return replaced;
    });
  }
  bool remove(const MigrationKey& key) override {
    return writing([&] { return ForwardingStore::remove(key); });
  }
  bool remove_if(const MigrationKey& key, std::string_view attempt_uuid,
                 MigrationStatus status) override {
    return writing([&] { return ForwardingStore::remove_if(key, attempt_uuid, status); });
  }

 private:
  template <typename Write>
  static bool writing(const Write& write) {
    std::lock_guard lock(g_writing);
    wait_if_stopped();
    return write();
  }
};

class StoppingDriver : public DatabaseDriver {
 public:
  explicit StoppingDriver(std::shared_ptr<const DatabaseDriver> real) : real_(std::move(real)) {}

  void validate(const DatabaseTarget& target) const override { real_->validate(target); }
  std::optional<std::string> problem(const DatabaseTarget& target) const override {
    return real_->problem(target);
  }
  std::unique_ptr<RecordStore> open_record_store(const DatabaseTarget& target) const override {
    return std::make_unique<StoppingStore>(real_->open_record_store(target));
  }
  std::unique_ptr<RunSession> begin_session(const DatabaseTarget& target) const override {
    return std::make_unique<StoppingSession>(real_->begin_session(target), false);
  }
  std::unique_ptr<RunSession> begin_chunk_session(const DatabaseTarget& target) const override {
    return std::make_unique<StoppingSession>(real_->begin_chunk_session(target), true);
  }
  bool runs_sql() const override { return real_->runs_sql(); }
  bool supports_concurrent_writers() const override { return real_->supports_concurrent_writers(); }

 private:
  std::shared_ptr<const DatabaseDriver> real_;
};

KillPoint parse_kill_point(const std::string& point) {
  static const std::map<std::string, Where, std::less<>> kChunkPoints = {
      {"chunk-commit-before", Where::kChunkCommitBefore},
      {"chunk-commit-inside", Where::kChunkCommitInside},
      {"chunk-commit-after", Where::kChunkCommitAfter},
      {"claim-commit-after", Where::kClaimCommitAfter}};
  static const std::map<std::string, Where, std::less<>> kRunPoints = {
      {"split-commit-before", Where::kSplitCommitBefore},
      {"split-commit-after", Where::kSplitCommitAfter},
      {"finish-before", Where::kFinishBefore},
      {"finish-after", Where::kFinishAfter}};
  if (auto it = kRunPoints.find(point); it != kRunPoints.end()) return {point, it->second, 0};
  const size_t colon = point.find(':');
  auto it = kChunkPoints.find(point.substr(0, colon));
  int chunk = 0;
  if (it != kChunkPoints.end() && colon != std::string::npos) {
    try {
      chunk = std::stoi(point.substr(colon + 1));
    } catch (const std::exception&) {
      chunk = 0;
    }
  }
  if (chunk < 1) throw std::invalid_argument("unknown kill point \"" + point + "\"");
  return {point, it->second, chunk};
}

}  // namespace

void install_kill_point(const std::string& point) {
  constexpr std::string_view kHold = "hold:";
  const bool hold = point.starts_with(kHold);
  g_point = parse_kill_point(hold ? point.substr(kHold.size()) : point);
  g_point.hold = hold;
  for (const char* scheme : {"sqlite", "postgresql", "postgres"}) {
    if (std::shared_ptr<const DatabaseDriver> real = find_database_driver(scheme)) {
      register_database_driver(scheme, std::make_shared<StoppingDriver>(std::move(real)));
    }
  }
}

}  // namespace massmigration::test
