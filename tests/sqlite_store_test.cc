#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <latch>
#include <thread>

#include "massmigration/massmigration.h"
#include "massmigration/sqlite.h"
#include "massmigration/testing.h"
#include "support/test_migrations.h"
#include "support/unwritable_directory.h"

namespace mm = massmigration;
using mm::test::kInitial;

namespace {

mm::MigrationRecord running(const mm::MigrationKey& key) {
  return {.key = key, .attempt_uuid = mm::new_attempt_uuid(), .initiated_at = mm::now_timestamp()};
}

class SqliteStore : public ::testing::Test {
 protected:
  std::unique_ptr<mm::RecordStore> open(std::chrono::milliseconds busy = std::chrono::seconds(5)) {
    return mm::sqlite::open_record_store("default", {.path = path_, .busy_timeout = busy});
  }
  std::string sql_text(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string text;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return text;
  }

  mm::testing::TemporaryDatabases dbs_;
  std::filesystem::path path_ = dbs_.path("default");
};

TEST_F(SqliteStore, AMissingFileReadsAsNothingRecordedAndIsNotCreated) {
  std::filesystem::remove(path_);
  auto store = open();
  EXPECT_FALSE(store->is_applied(kInitial));
  EXPECT_EQ(store->get(kInitial), std::nullopt);
  EXPECT_TRUE(store->list().records.empty());
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(SqliteStore, AMissingDirectoryIsAnErrorForReadsAndWrites) {
  auto store = mm::sqlite::open_record_store("default", {.path = dbs_.directory() / "no" / "x.db"});
  const std::string expected =
      "the directory " + (dbs_.directory() / "no").string() + " does not exist";
  for (auto attempt : {+[](mm::RecordStore& s) { s.is_applied(kInitial); },
                       +[](mm::RecordStore& s) { s.insert_if_absent(running(kInitial)); }}) {
    try {
      attempt(*store);
      FAIL();
    } catch (const mm::RecordStoreError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST_F(SqliteStore, AnUnwritableDirectoryIsPermissionDeniedNotAMissingFile) {
  mm::test::UnwritableDirectory read_only(dbs_.directory() / "read-only");
  if (!read_only.failure().empty()) GTEST_SKIP() << read_only.failure();
  const std::filesystem::path file = read_only.path() / "x.db";
  auto store = mm::sqlite::open_record_store("default", {.path = file});
  try {
    store->insert_if_absent(running(kInitial));
    FAIL() << "the write succeeded";
  } catch (const mm::RecordStoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              "record store for database default: creating the record of shop:0001_initial in " +
                  file.string() + ": permission denied: cannot create files in the directory " +
                  read_only.path().string());
  }
  EXPECT_FALSE(store->is_applied(kInitial));  // nothing there to read: plainly not applied
}

TEST_F(SqliteStore, FirstWriteCreatesFileTableAndWal) {
  std::filesystem::remove(path_);
  auto store = open();
  ASSERT_TRUE(store->insert_if_absent(running(kInitial)));
  EXPECT_EQ(sql_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sql_text("SELECT key FROM massmigration_record"), "shop:0001_initial");
  EXPECT_EQ(sql_text("SELECT app_label || '/' || name FROM massmigration_record"),
            "shop/0001_initial");
}

TEST_F(SqliteStore, EmptyFileReadsAsNothingRecorded) {
  ASSERT_EQ(std::filesystem::file_size(path_), 0u);
  EXPECT_FALSE(open()->is_applied(kInitial));
}

TEST_F(SqliteStore, FileWithoutTheTableReadsAsNothingRecorded) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE app(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = open();
  EXPECT_FALSE(store->is_applied(kInitial));
  EXPECT_EQ(store->get(kInitial), std::nullopt);
  EXPECT_TRUE(store->list().records.empty());
}

TEST_F(SqliteStore, AReplacedFileIsReadAfresh) {
  auto store = mm::sqlite::open_record_store(
      "default", {.path = path_, .replaced_file_check = std::chrono::milliseconds(0)});
  const mm::Timestamp now = mm::now_timestamp();
  ASSERT_TRUE(store->insert_if_absent({.key = kInitial,
                                       .attempt_uuid = "a",
                                       .initiated_at = now,
                                       .is_applied = true,
                                       .applied_at = now}));
  ASSERT_TRUE(store->is_applied(kInitial));
  // A restore puts another database at the same path.
  const std::filesystem::path other = dbs_.directory() / "restored.db";
  std::ofstream(other).close();
  std::filesystem::rename(other, path_);
  std::filesystem::remove(path_.string() + "-wal");
  std::filesystem::remove(path_.string() + "-shm");
  EXPECT_FALSE(store->is_applied(kInitial));
  std::filesystem::remove(path_);
  EXPECT_FALSE(store->is_applied(kInitial));  // deleted: nothing recorded, not an error
}

TEST_F(SqliteStore, CorruptFileIsAnErrorNamingTheFile) {
  std::ofstream(path_, std::ios::trunc) << std::string(8192, 'x');
  auto store = open();
  try {
    store->is_applied(kInitial);
    FAIL();
  } catch (const mm::RecordStoreError& e) {
    EXPECT_EQ(e.alias(), "default");
    EXPECT_NE(std::string(e.what()).find(path_.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStore, LockedPastTheTimeoutIsAnErrorThenRecovers) {
  // A rollback-journal database held exclusively by another connection.
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder,
                         "CREATE TABLE massmigration_record(key TEXT PRIMARY KEY, "
                         "app_label TEXT, name TEXT, attempt_uuid TEXT, initiated_at TEXT, "
                         "is_applied INTEGER, applied_at TEXT, has_error INTEGER, "
                         "last_error TEXT, was_faked INTEGER, rows_done INTEGER, "
                         "rows_total INTEGER, checkpoint TEXT); "
                         "INSERT INTO massmigration_record VALUES ('shop:0001_initial', "
                         "'shop', '0001_initial', 'a', '2026-11-29T22:00:00.000000Z', 1, "
                         "'2026-11-29T22:00:00.000000Z', 0, '', 0, 0, NULL, NULL); "
                         "BEGIN EXCLUSIVE;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto store = open(std::chrono::milliseconds(20));
  try {
    store->is_applied(kInitial);
    FAIL();
  } catch (const mm::RecordStoreError& e) {
    EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
  }
  ASSERT_EQ(sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(holder);
  EXPECT_TRUE(store->is_applied(kInitial));
}

class GuardOnBrokenFile : public ::testing::Test {
 protected:
  void SetUp() override { mm::configure(dbs_.config()); }
  std::string refusal_cause() {
    try {
      mm::MigrationGuard guard(kInitial, {.db_aliases = {"default"}});
    } catch (const mm::RequiredMigrationNotApplied& e) {
      EXPECT_EQ(e.missing_aliases(), std::vector<std::string>{"default"});
      return e.cause();
    }
    ADD_FAILURE() << "the guard let the call through";
    return {};
  }
  mm::testing::TemporaryDatabases dbs_{{"default", "shop_db"}};
  mm::testing::ScopedEnforcement enforce_;
};

TEST_F(GuardOnBrokenFile, RefusesOnACorruptFile) {
  std::ofstream(dbs_.path("default"), std::ios::trunc) << std::string(8192, '\x5a');
  EXPECT_NE(refusal_cause().find("not a database"), std::string::npos);
}

TEST_F(GuardOnBrokenFile, RefusesWhenThePathIsUnreadable) {
  std::filesystem::remove(dbs_.path("default"));
  std::filesystem::create_directory(dbs_.path("default"));  // a directory where the file should be
  EXPECT_NE(refusal_cause().find("unable to open"), std::string::npos) << refusal_cause();
}

TEST_F(GuardOnBrokenFile, RefusesWithoutACauseWhenTheFileIsMissing) {
  std::filesystem::remove(dbs_.path("default"));
  EXPECT_EQ(refusal_cause(), "");  // nothing recorded yet: plainly not applied
  EXPECT_FALSE(mm::migration_is_applied(kInitial, "default"));
}

TEST_F(GuardOnBrokenFile, RefusesNamingTheMissingDirectory) {
  mm::Config config = dbs_.config();
  config.databases["default"] = "sqlite://" + (dbs_.directory() / "gone" / "x.db").string();
  mm::configure(config);
  EXPECT_NE(refusal_cause().find("gone does not exist"), std::string::npos) << refusal_cause();
}

}  // namespace
