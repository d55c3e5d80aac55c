// The chunk queue of the workers backend (RunSession::replace_chunks, claim_chunk,
// complete_chunk, complete_and_claim_next, release_chunk, extend_claim, unfinished_chunks), on
// every engine.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "massmigration/massmigration.h"
#include "support/engines.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::Engine;
using mm::test::kBackfill;
using mm::test::kInitial;
using std::chrono_literals::operator""s;

namespace {

const std::vector<mm::ChunkRange> kThreeRanges = {
    {.upto = "100"}, {.after = "100", .upto = "200"}, {.after = "200"}};

class ChunkQueue : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_->insert_if_absent(running_));
    auto session = begin();
    session->replace_chunks(kInitial, kThreeRanges);
    session->commit();
  }
  std::unique_ptr<mm::RunSession> begin() { return dbs_.open_session("default"); }
  // One claim in a transaction of its own, as a worker makes it.
  std::optional<mm::ClaimedChunk> claim(const std::string& token, std::string worker = "w1") {
    auto session = begin();
    std::optional<mm::ClaimedChunk> claimed = session->claim_chunk(worker, token, 30s);
    session->commit();
    return claimed;
  }
  // The other chunks of its run not done; nullopt when the claim was lost.
  std::optional<std::int64_t> complete(const mm::ClaimedChunk& chunk, const std::string& token,
                                       std::int64_t rows) {
    auto session = begin();
    const std::optional<std::int64_t> others = session->complete_chunk(chunk.id, token, rows);
    session->commit();
    return others;
  }
  std::int64_t unfinished() {
    auto session = begin();
    return session->unfinished_chunks(kInitial);
  }
  // As if the worker holding chunk `id` had gone silent past its lease.
  void lapse(std::int64_t id) {
    dbs_.execute("default",
                 "UPDATE massmigration_chunk SET lease_until = "
                 "'2000-01-01T00:00:00.000000Z' WHERE id = " +
                     std::to_string(id));
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
  std::unique_ptr<mm::RecordStore> store_ = dbs_.open_store("default");
  mm::MigrationRecord running_{
      .key = kInitial, .attempt_uuid = mm::new_attempt_uuid(), .initiated_at = mm::now_timestamp()};
};

TEST_P(ChunkQueue, ClaimsComeInOrderEachOnceWithTheRunsAttempt) {
  std::vector<mm::ChunkRange> ranges;
  for (const char* token : {"a", "b", "c"}) {
    std::optional<mm::ClaimedChunk> chunk = claim(token);
    ASSERT_TRUE(chunk.has_value()) << token;
    EXPECT_EQ(chunk->key, kInitial);
    EXPECT_EQ(chunk->attempt_uuid, running_.attempt_uuid);
    EXPECT_EQ(chunk->claim, token);
    EXPECT_EQ(chunk->failures, 0);
    ranges.push_back(chunk->range);
  }
  EXPECT_EQ(ranges, kThreeRanges);
  EXPECT_EQ(claim("d"), std::nullopt);  // each is held by a live claim
  EXPECT_EQ(unfinished(), 3);
}

// Completing a chunk says how many others of its run are left: the last one sees none.
TEST_P(ChunkQueue, ACompletionCountsTheRunsOtherOpenChunks) {
  std::vector<mm::ClaimedChunk> chunks;
  for (const char* token : {"a", "b", "c"}) chunks.push_back(*claim(token));
  EXPECT_EQ(complete(chunks[1], "b", 10), 2);
  EXPECT_EQ(complete(chunks[0], "a", 10), 1);
  EXPECT_EQ(complete(chunks[2], "c", 10), 0);
  EXPECT_EQ(unfinished(), 0);
}

// A worker's next chunk is claimed by the commit of the one before, never that one, and only
// while its run has other chunks open: the last one's commit applies the run, and a chunk
// claimed then would wait out its lease.
TEST_P(ChunkQueue, ACompletionClaimsTheWorkersNextChunkWhileItsRunGoesOn) {
  const mm::MigrationRecord other{.key = kBackfill,
                                  .attempt_uuid = mm::new_attempt_uuid(),
                                  .initiated_at = mm::now_timestamp()};
  ASSERT_TRUE(store_->insert_if_absent(other));
  const std::vector<mm::ChunkRange> two = {{.upto = "5"}, {.after = "5"}};
  {
    auto session = begin();
    session->replace_chunks(kBackfill, two);
    session->commit();
  }
  auto complete_and_claim = [&](const mm::ClaimedChunk& chunk, const std::string& token,
                                const std::string& next_token) {
    auto session = begin();
    std::optional<mm::CompletedChunk> completed = session->complete_and_claim_next(
        chunk.id, token, 10, {.worker = "w1", .claim = next_token, .lease = 30s});
    session->commit();
    return completed;
  };
  auto claimed_as = [&](const std::string& token) {
    return dbs_.scalar("default",
                       "SELECT count(*) FROM massmigration_chunk WHERE claim = '" + token + "'");
  };
  const mm::ClaimedChunk first = *claim("a");
  std::optional<mm::CompletedChunk> completed = complete_and_claim(first, "a", "b");
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(completed->others_open, 2);
  ASSERT_TRUE(completed->next.has_value());
  const mm::ClaimedChunk second = *completed->next;
  EXPECT_EQ(second.key, kInitial);
  EXPECT_EQ(second.range, kThreeRanges[1]);
  EXPECT_EQ(second.attempt_uuid, running_.attempt_uuid);
  EXPECT_EQ(second.claim, "b");
  EXPECT_EQ(second.failures, 0);
  // A lost claim completes nothing and claims nothing.
  EXPECT_FALSE(complete_and_claim(first, "a", "x").has_value());
  EXPECT_EQ(claimed_as("x"), "0");
  const mm::ClaimedChunk third = *claim("c");
  EXPECT_EQ(third.range, kThreeRanges[2]);
  // The run's other open chunk is held: the next is another run's.
  completed = complete_and_claim(second, "b", "d");
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(completed->others_open, 1);
  ASSERT_TRUE(completed->next.has_value());
  EXPECT_EQ(completed->next->key, kBackfill);
  EXPECT_EQ(completed->next->range, two[0]);
  // The run's last chunk claims nothing, though another run's chunk is open.
  completed = complete_and_claim(third, "c", "e");
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(completed->others_open, 0);
  EXPECT_FALSE(completed->next.has_value());
  EXPECT_EQ(claimed_as("e"), "0");
  std::optional<mm::ClaimedChunk> open = claim("f");
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->range, two[1]);
}

TEST_P(ChunkQueue, OnlyRunningRecordsGiveOutChunks) {
  ASSERT_TRUE(store_->control_run(kInitial, running_.attempt_uuid, mm::MigrationStatus::kRunning,
                                  mm::MigrationStatus::kPausing, {}));
  EXPECT_EQ(claim("a"), std::nullopt);
  ASSERT_TRUE(store_->control_run(kInitial, running_.attempt_uuid, mm::MigrationStatus::kPausing,
                                  mm::MigrationStatus::kRunning, {}));
  EXPECT_TRUE(claim("a").has_value());
}

TEST_P(ChunkQueue, ACompletionCountsOnlyWhileItsClaimHolds) {
  std::optional<mm::ClaimedChunk> first = claim("a", "w1");
  ASSERT_TRUE(first.has_value());
  lapse(first->id);
  // Another worker takes the chunk over; the first one's late completion changes nothing.
  std::optional<mm::ClaimedChunk> again = claim("b", "w2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(complete(*first, "a", 100), std::nullopt);
  {
    auto session = begin();
    EXPECT_FALSE(session->extend_claim(first->id, "a", 30s));
    EXPECT_TRUE(session->extend_claim(again->id, "b", 30s));
    session->commit();
  }
  EXPECT_EQ(complete(*again, "b", 100), 2);             // the two others are not done
  EXPECT_EQ(complete(*again, "b", 100), std::nullopt);  // done once
  EXPECT_EQ(unfinished(), 2);
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT rows_done || ' ' || claimed_by FROM "
                        "massmigration_chunk WHERE id = " +
                            std::to_string(again->id)),
            "100 w2");
  // A done chunk is never given out again, lease or not.
  lapse(again->id);
  std::optional<mm::ClaimedChunk> next = claim("c");
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->id, again->id);
}

TEST_P(ChunkQueue, AReleasedChunkIsClaimableAtOnceAndCountsItsFailures) {
  std::optional<mm::ClaimedChunk> chunk = claim("a");
  ASSERT_TRUE(chunk.has_value());
  {
    auto session = begin();
    EXPECT_EQ(session->release_chunk(chunk->id, "wrong", "boom"), std::nullopt);
    EXPECT_EQ(session->release_chunk(chunk->id, "a", "std::runtime_error: boom"), 1);
    session->commit();
  }
  // The other chunks go first while a failed one waits.
  std::optional<mm::ClaimedChunk> other = claim("x");
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->id, chunk->id);
  lapse(chunk->id);
  std::optional<mm::ClaimedChunk> again = claim("b");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, chunk->id);
  EXPECT_EQ(again->failures, 1);
  {
    auto session = begin();
    EXPECT_EQ(session->release_chunk(again->id, "b", std::nullopt), 1);  // given up, not failed
    session->commit();
  }
  std::optional<mm::ClaimedChunk> at_once = claim("c");  // given up: claimable at once
  ASSERT_TRUE(at_once.has_value());
  EXPECT_EQ(at_once->id, chunk->id);
  EXPECT_EQ(dbs_.scalar("default", "SELECT last_error FROM massmigration_chunk WHERE id = " +
                                       std::to_string(chunk->id)),
            "std::runtime_error: boom");
}

TEST_P(ChunkQueue, ReplacingDropsTheOldChunksClaimsIncluded) {
  std::optional<mm::ClaimedChunk> old = claim("a");
  ASSERT_TRUE(old.has_value());
  {
    auto session = begin();
    session->replace_chunks(kInitial, {{}});  // one chunk: every row
    session->commit();
  }
  EXPECT_EQ(complete(*old, "a", 100), std::nullopt);
  EXPECT_EQ(unfinished(), 1);
  std::optional<mm::ClaimedChunk> whole = claim("b");
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->range, mm::ChunkRange{});
}

TEST_P(ChunkQueue, ConcurrentWorkersClaimEveryChunkExactlyOnce) {
  std::vector<mm::ChunkRange> many;
  for (int i = 0; i < 60; ++i) many.push_back({.after = std::to_string(i)});
  {
    auto session = begin();
    session->replace_chunks(kInitial, many);
    session->commit();
  }
  std::vector<std::vector<std::int64_t>> claimed(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (int n = 0;; ++n) {
        const std::string token = std::to_string(w) + "-" + std::to_string(n);
        std::optional<mm::ClaimedChunk> chunk = claim(token, "w" + std::to_string(w));
        if (!chunk) return;
        claimed[w].push_back(chunk->id);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  std::multiset<std::int64_t> all;
  for (const auto& ids : claimed) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 60u);
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(), 60u);  // none twice
}

INSTANTIATE_TEST_SUITE_P(Engines, ChunkQueue, mm::test::kEngines, mm::test::engine_name);

// PostgreSQL: a chunk session's connection keeps the idle limit it was given from one chunk to
// the next (a round trip saved per chunk), takes it again after a rollback, and lends neither
// it nor its commits that need not wait for the disk to other sessions.
class PostgresChunkSessions : public ChunkQueue {
 protected:
  std::unique_ptr<mm::RunSession> begin_chunk() { return dbs_.open_chunk_session("default"); }
  static std::string show(mm::RunSession& session, const std::string& setting) {
    return mm::sql_value_text(session.query("SHOW " + setting, {}).at(0).at(0));
  }
};

TEST_P(PostgresChunkSessions, KeepTheirSettingsToThemselves) {
  const std::string idle = "idle_in_transaction_session_timeout";
  {
    auto session = begin_chunk();
    session->end_if_idle_for(7s);
    EXPECT_EQ(show(*session, idle), "7s");
    EXPECT_EQ(show(*session, "synchronous_commit"), "off");
    session->commit();
  }
  {
    auto session = begin_chunk();
    EXPECT_EQ(show(*session, idle), "7s");
    session->end_if_idle_for(9s);
    EXPECT_EQ(show(*session, idle), "9s");
  }  // rolled back: 7 s again
  {
    auto session = begin_chunk();
    EXPECT_EQ(show(*session, idle), "7s");
    session->end_if_idle_for(9s);
    EXPECT_EQ(show(*session, idle), "9s");
    session->make_durable();
    EXPECT_EQ(show(*session, "synchronous_commit"), "on");
    session->commit();
  }
  {
    auto session = begin_chunk();
    EXPECT_EQ(show(*session, idle), "9s");
    EXPECT_EQ(show(*session, "synchronous_commit"), "off");
  }
  auto durable = begin();
  EXPECT_EQ(show(*durable, idle), "0");
  EXPECT_EQ(show(*durable, "synchronous_commit"), "on");
  durable->end_if_idle_for(5s);
  EXPECT_EQ(show(*durable, idle), "5s");
  durable->commit();
  EXPECT_EQ(show(*begin(), idle), "0");  // for its transaction only
}

INSTANTIATE_TEST_SUITE_P(Engines, PostgresChunkSessions, ::testing::Values(Engine::kPostgres),
                         mm::test::engine_name);

}  // namespace
