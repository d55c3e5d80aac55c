// The chunk queue of the workers backend (RunSession::replace_chunks, claim_chunk,
// complete_chunk, release_chunk, extend_claim, unfinished_chunks), on every engine.
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
  std::unique_ptr<mm::RunSession> begin() {
    const std::string url = dbs_.url("default");
    return mm::find_database_driver(mm::url_scheme(url))
        ->begin_session({.alias = "default", .url = url, .base_directory = "/"});
  }
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

}  // namespace
