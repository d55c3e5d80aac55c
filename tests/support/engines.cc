#include "engines.h"

#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <random>

#include "massmigration/postgres.h"
#include "massmigration/sqlite.h"
#include "postgres_cluster.h"

namespace massmigration::test {

std::string to_string(Engine engine) { return engine == Engine::kSqlite ? "Sqlite" : "Postgres"; }

std::string engine_name(const ::testing::TestParamInfo<Engine>& info) {
  return to_string(info.param);
}

std::string postgres_server_url(const std::string& database) {
  const char* state = std::getenv("MASSMIGRATION_TEST_POSTGRES");
  std::ifstream in(state ? state : "");
  std::string directory, url;
  int port = 0;
  if (!state || !(in >> directory >> port >> url)) {
    throw std::runtime_error(
        "no PostgreSQL server for this test: run it through ctest (fixture \"postgres\" starts "
        "one), or start one with `pg_cluster start STATE` and set MASSMIGRATION_TEST_POSTGRES="
        "STATE");
  }
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/" + database;
}

TestDatabases::TestDatabases(Engine engine, std::vector<std::string> aliases)
    : engine_(engine), aliases_(std::move(aliases)) {
  if (engine_ == Engine::kSqlite) {
    files_ = std::make_unique<testing::TemporaryDatabases>(aliases_);
    return;
  }
  std::random_device random;
  std::string prefix = "mm_" + std::to_string(random()) + "_";
  pqxx::connection admin(postgres_server_url());
  for (const std::string& alias : aliases_) {
    std::string name = prefix;
    for (char c : alias) name += (c == '-' ? '_' : static_cast<char>(std::tolower(c)));
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + name);
    pg_names_[alias] = name;
  }
}

TestDatabases::~TestDatabases() {
  if (engine_ != Engine::kPostgres) return;
  try {
    pqxx::connection admin(postgres_server_url());
    for (const auto& [alias, name] : pg_names_) {
      pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  } catch (const std::exception&) {
    // A leftover database in a throwaway cluster is harmless; the server goes at the end.
  }
}

std::string TestDatabases::url(const std::string& alias) const {
  if (engine_ == Engine::kSqlite) return "sqlite://" + files_->path(alias).string();
  return postgres_server_url(pg_names_.at(alias));
}

Config TestDatabases::config(std::map<std::string, std::string> routing) const {
  Config config;
  for (const std::string& alias : aliases_) config.databases[alias] = url(alias);
  // Chunks of the size each migration sets, whatever the machine's load: by default SQLite
  // shrinks a chunk that takes longer than its slice (tested where that is the point).
  config.pause_between_chunks = std::chrono::milliseconds(0);
  config.routing = std::move(routing);
  // Tests write through other connections and expect guards to see it at once.
  config.guard_not_applied_recheck = std::chrono::milliseconds(0);
  return config;
}

std::string TestDatabases::unreachable_url() const {
  if (engine_ == Engine::kSqlite) {
    return "sqlite://" + (files_->directory() / "missing" / "x.db").string();
  }
  return "postgresql://postgres@127.0.0.1:" + std::to_string(free_loopback_port()) +
         "/x?connect_timeout=2";
}

std::string TestDatabases::scalar(const std::string& alias, const std::string& sql) const {
  if (engine_ == Engine::kPostgres) {
    try {
      pqxx::connection c(url(alias));
      pqxx::result r = pqxx::nontransaction(c).exec(sql);
      if (r.empty()) return "<no row>";
      return r[0][0].is_null() ? "<null>" : r[0][0].c_str();
    } catch (const std::exception& e) {
      return std::string("<error: ") + e.what() + ">";
    }
  }
  sqlite3* db = nullptr;
  sqlite3_open_v2(files_->path(alias).c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out = std::string("<error: ") + sqlite3_errmsg(db) + ">";
  } else if (sqlite3_step(stmt) != SQLITE_ROW) {
    out = "<no row>";
  } else if (sqlite3_column_type(stmt, 0) == SQLITE_NULL) {
    out = "<null>";
  } else {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

void TestDatabases::execute(const std::string& alias, const std::string& sql) const {
  if (engine_ == Engine::kPostgres) {
    pqxx::connection c(url(alias));
    pqxx::nontransaction(c).exec(sql);
    return;
  }
  sqlite3* db = nullptr;
  sqlite3_open(files_->path(alias).c_str(), &db);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(message);
}

std::unique_ptr<RecordStore> TestDatabases::open_store(const std::string& alias) const {
  if (engine_ == Engine::kPostgres) return postgres::open_record_store(alias, url(alias));
  return sqlite::open_record_store(alias, {.path = files_->path(alias)});
}

std::unique_ptr<RunSession> TestDatabases::open_session(const std::string& alias) const {
  const std::string target_url = url(alias);
  return find_database_driver(url_scheme(target_url))
      ->begin_session({alias, target_url, std::filesystem::current_path()});
}

std::unique_ptr<RunSession> TestDatabases::open_chunk_session(const std::string& alias) const {
  const std::string target_url = url(alias);
  return find_database_driver(url_scheme(target_url))
      ->begin_chunk_session({alias, target_url, std::filesystem::current_path()});
}

}  // namespace massmigration::test
