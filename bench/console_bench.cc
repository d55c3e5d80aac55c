// The web console's index page and /api/status for 200 migrations on 5 SQLite databases (half
// of them applied, some running with progress), through real HTTP requests on loopback, against
// one `showmigrations --format json` in this process (the same records read the same way).
// Goals: the index within 20 ms, /api/status within 10 ms.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "goal_reporter.h"
#include "massmigration/cli.h"
#include "massmigration/massmigration.h"
#include "massmigration/web.h"

namespace mm = massmigration;

namespace {

constexpr int kMigrations = 200;
constexpr int kDatabases = 5;

class Filler : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Fill a column of a table."; }
  void operation(mm::OperationContext&) override {}
};

std::unique_ptr<mm::Migration> make_filler() { return std::make_unique<Filler>(); }

httplib::Server g_server;
int g_port = 0;
std::string g_cookie;

void BM_ShowmigrationsJson(benchmark::State& state) {
  for (auto _ : state) {
    std::istringstream in;
    std::ostringstream out, err;
    if (mm::cli::run("manage", {"showmigrations", "--format", "json"}, in, out, err) != 0) {
      state.SkipWithError("showmigrations failed");
    }
    benchmark::DoNotOptimize(out.str().size());
  }
}

void get_page(benchmark::State& state, const char* path) {
  httplib::Client client("127.0.0.1", g_port);
  client.set_keep_alive(true);
  for (auto _ : state) {
    httplib::Result res = client.Get(path, {{"Cookie", g_cookie}});
    if (!res || res->status != 200) state.SkipWithError("the request failed");
    benchmark::DoNotOptimize(res->body.size());
  }
}

void BM_IndexPage(benchmark::State& state) { get_page(state, "/massmigrations/"); }
void BM_ApiStatus(benchmark::State& state) { get_page(state, "/massmigrations/api/status"); }

// 200 migrations registered before configure(); every other one applied on every database.
void populate(const std::string& dir) {
  for (int i = 0; i < kMigrations; ++i) {
    mm::internal::register_migration("app" + std::to_string(i % 10),
                                     absl::StrFormat("%04d_fill", i / 10 + 1), make_filler,
                                     __FILE__, __LINE__);
  }
  mm::Config config;
  for (int d = 0; d < kDatabases; ++d) {
    config.databases["db" + std::to_string(d)] =
        "sqlite://" + dir + "/db" + std::to_string(d) + ".db";
  }
  mm::configure(config);
  std::vector<const mm::Migration*> all = mm::get_all_migrations();
  for (size_t i = 0; i < all.size(); i += 2) {
    for (const auto& [alias, url] : config.databases) mm::api::fake_migration(all[i]->key(), alias);
  }
}

// Starts the console and logs in; the session cookie goes with every request.
bool start_console() {
  mm::web::ConsoleOptions options;
  options.login =
      mm::ConsoleLogin{.username = "admin", .password_hash = mm::web::hash_password("bench")};
  mm::web::mount(g_server, options);
  g_port = g_server.bind_to_any_port("127.0.0.1");
  if (g_port <= 0) return false;
  std::thread([] { g_server.listen_after_bind(); }).detach();
  while (!g_server.is_running()) std::this_thread::yield();
  httplib::Client client("127.0.0.1", g_port);
  httplib::Result res = client.Post("/massmigrations/login",
                                    {{"Origin", "http://127.0.0.1:" + std::to_string(g_port)}},
                                    httplib::Params{{"username", "admin"}, {"password", "bench"}});
  if (!res || res->status != 303) return false;
  const std::string cookie = res->get_header_value("Set-Cookie");
  g_cookie = cookie.substr(0, cookie.find(';'));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir =
      (std::filesystem::temp_directory_path() / "massmigration-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  populate(dir);
  if (!start_console()) return 1;
  benchmark::RegisterBenchmark("BM_ShowmigrationsJson", BM_ShowmigrationsJson);
  benchmark::RegisterBenchmark("BM_IndexPage", BM_IndexPage);
  benchmark::RegisterBenchmark("BM_ApiStatus", BM_ApiStatus);
  mm::bench::initialize_interleaved(argc, argv, /*repetitions=*/5);
  mm::bench::GoalReporter reporter([](const mm::bench::Results& r) {
    const double json = r.ns("BM_ShowmigrationsJson");
    std::printf(
        "  index page, %d migrations x %d databases: %.2f ms (goal <= 20 ms), %.2fx one "
        "showmigrations --format json (%.2f ms)\n",
        kMigrations, kDatabases, r.ns("BM_IndexPage") / 1e6, r.ns("BM_IndexPage") / json,
        json / 1e6);
    std::printf("  /api/status: %.2f ms (goal <= 10 ms), %.2fx one showmigrations --format json\n",
                r.ns("BM_ApiStatus") / 1e6, r.ns("BM_ApiStatus") / json);
  });
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  g_server.stop();
  std::filesystem::remove_all(dir);
  return 0;
}
