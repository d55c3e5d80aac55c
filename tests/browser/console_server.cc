// The console the browser tests drive: SQLite databases in the directory given, a mapper slow
// enough to watch, a migration whose description is markup, and the built-in login (user
// "admin", password "browser-test"). Prints "PORT <n>" once it listens; serves until its
// standard input closes.
#include <iostream>
#include <string>
#include <thread>

#include "massmigration/massmigration.h"
#include "massmigration/web.h"

namespace mm = massmigration;

namespace {

class CreateItems : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Create 5000 items to mark."; }
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default"}};
  }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, marked INTEGER NOT NULL DEFAULT 0)");
    ctx.execute(
        "INSERT INTO items (id) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM "
        "seq WHERE n < 5000) SELECT n FROM seq");
  }
};
MASSMIGRATION_REGISTER(CreateItems, "browser", "0001_create_items");

// 50 chunks of 100 items, 150 ms apart: over seven seconds, long enough to watch and pause.
class MarkItems : public mm::MapperMigration {
 public:
  std::string description() const override { return "Mark every item, slowly."; }
  std::vector<mm::MigrationKey> dependencies() const override {
    return {{"browser", "0001_create_items"}};
  }
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default"}};
  }
  mm::BackendParams backend_params() const override { return {{"chunk_size", "100"}}; }
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "items", .primary_key = "id"};
  }
  void batch_operation(const std::vector<mm::MapperRow>& rows, mm::OperationContext& ctx) override {
    ctx.execute("UPDATE items SET marked = 1 WHERE id >= $1 AND id <= $2", rows.front().key(),
                rows.back().key());
  }
  std::chrono::milliseconds throttle(const std::string&) override {
    return std::chrono::milliseconds(150);
  }
};
MASSMIGRATION_REGISTER(MarkItems, "browser", "0002_mark_items");

class Markup : public mm::SimpleMigration {
 public:
  std::string description() const override { return "<script>alert(1)</script>"; }
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Markup, "browser", "0003_markup");

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: console_server DIRECTORY\n";
    return 2;
  }
  const std::string directory = argv[1];
  mm::Config config;
  config.databases["default"] = "sqlite://" + directory + "/default.db";
  config.databases["archive"] = "sqlite://" + directory + "/archive.db";
  config.default_backend = "threads";
  config.pause_between_chunks = std::chrono::milliseconds(0);
  mm::configure(config);
  mm::api::initiate_migration(mm::MigrationKey("browser:0001_create_items"), "default",
                              {.backend = "inline"});

  mm::web::ConsoleOptions options;
  options.login = mm::ConsoleLogin{.username = "admin",
                                   .password_hash = mm::web::hash_password("browser-test")};
  options.refresh_interval = std::chrono::milliseconds(500);
  httplib::Server server;
  mm::web::mount(server, options);
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "console_server: no free port\n";
    return 1;
  }
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  std::cout << "PORT " << port << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.stop();
  serving.join();
  return 0;
}
