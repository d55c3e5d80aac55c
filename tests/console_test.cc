// The web console through a real cpp-httplib server on an OS-chosen loopback port, with real
// requests, on SQLite and on PostgreSQL: who may see and act, what every action changes (and
// what a refused one leaves alone), what the pages and the API say.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "massmigration/cli.h"
#include "massmigration/massmigration.h"
#include "massmigration/web.h"
#include "support/await_status.h"
#include "support/engines.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::Engine;
using mm::test::kBackfill;
using mm::test::kInitial;

namespace {

constexpr char kXss[] = "xss:0001_script";

// A description and an error made of markup: the console shows both as text.
class ScriptInDescription : public mm::SimpleMigration {
 public:
  std::string description() const override { return "<script>alert(1)</script>"; }
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default"}};
  }
  void operation(mm::OperationContext&) override {
    throw std::runtime_error("<img src=x onerror=alert(2)>");
  }
};
MASSMIGRATION_REGISTER(ScriptInDescription, "xss", "0001_script");

constexpr char kTouch[] = "metrics:0001_touch";

// A mapper whose chunks change nothing: chunks to count.
class Touch : public mm::MapperMigration {
 public:
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default"}};
  }
  mm::MapperQuery query(const std::string&) const override { return {.table = "touch"}; }
  void batch_operation(const std::vector<mm::MapperRow>&, mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Touch, "metrics", "0001_touch");

constexpr char kPassword[] = "correct horse battery staple";

// Hashing is slow on purpose: once for the whole program.
const std::string& password_hash() {
  static const std::string hash = mm::web::hash_password(kPassword);
  return hash;
}

// A server with the console mounted, listening on a free loopback port until destroyed.
class ConsoleServer {
 public:
  explicit ConsoleServer(const mm::web::ConsoleOptions& options) {
    mm::web::mount(server_, options);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("no free port");
    // The socket already listens; requests queue until the loop accepts them.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing to a server whose loop has not started yet.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~ConsoleServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The same host as a browser names it behind a TLS proxy that forwards to this server.
  std::string tls_origin() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

mm::web::ConsoleOptions builtin_login() {
  mm::web::ConsoleOptions options;
  options.login = mm::ConsoleLogin{.username = "admin", .password_hash = password_hash()};
  return options;
}

std::string cookie_of(const httplib::Result& res) {
  const std::string header = res->get_header_value("Set-Cookie");
  return header.substr(0, header.find(';'));
}

std::string csrf_token_in(const std::string& html) {
  std::smatch match;
  static const std::regex kToken(R"re(name="csrf_token" value="([0-9a-f]+)")re");
  return std::regex_search(html, match, kToken) ? match[1].str() : std::string();
}

class Console : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    dbs_ = std::make_unique<mm::test::TestDatabases>(
        GetParam(), std::vector<std::string>{"default", "shop_db"});
    mm::configure(dbs_->config());
    start(builtin_login());
  }
  void start(const mm::web::ConsoleOptions& options) {
    server_.reset();
    server_ = std::make_unique<ConsoleServer>(options);
  }

  httplib::Client client() const {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(std::chrono::seconds(10));
    client.set_read_timeout(std::chrono::seconds(60));
    return client;
  }
  httplib::Result get(const std::string& path, const std::string& cookie = "") const {
    httplib::Headers headers;
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    return client().Get(path, headers);
  }
  // A form post; `origin` is sent as Origin unless empty.
  httplib::Result post(const std::string& path, const httplib::Params& form,
                       const std::string& cookie = "", std::string origin = "same") const {
    httplib::Headers headers;
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    if (origin == "same") origin = server_->origin();
    if (!origin.empty()) headers.emplace("Origin", origin);
    return client().Post(path, headers, form);
  }
  httplib::Result log_in(const std::string& password = kPassword) const {
    return post("/massmigrations/login", {{"username", "admin"}, {"password", password}});
  }
  // A logged-in session: its cookie, and the CSRF token its pages carry.
  struct Session {
    std::string cookie;
    std::string token;
  };
  Session session() const {
    httplib::Result res = log_in();
    EXPECT_EQ(res->status, 303);
    Session s{.cookie = cookie_of(res), .token = ""};
    s.token = csrf_token_in(get("/massmigrations/", s.cookie)->body);
    EXPECT_FALSE(s.token.empty());
    return s;
  }
  httplib::Result act(const Session& s, const std::string& key, const std::string& alias,
                      const std::string& action, httplib::Params extra = {}) const {
    extra.emplace("csrf_token", s.token);
    return post("/massmigrations/migrations/" + key + "/" + alias + "/" + action, extra, s.cookie);
  }
  static mm::MigrationStatus status(const std::string& key, const std::string& alias) {
    return mm::api::migration_status(mm::MigrationKey(key), alias);
  }

  std::unique_ptr<mm::test::TestDatabases> dbs_;
  std::unique_ptr<ConsoleServer> server_;
};

INSTANTIATE_TEST_SUITE_P(Engines, Console, mm::test::kEngines, mm::test::engine_name);

TEST_P(Console, NothingAnswersWithoutAUser) {
  for (const char* page : {"/massmigrations/", "/massmigrations/migrations/shop:0001_initial",
                           "/massmigrations/migrations/shop:0001_initial/default/delete"}) {
    httplib::Result res = get(page);
    ASSERT_TRUE(res) << page;
    EXPECT_EQ(res->status, 303) << page;
    EXPECT_EQ(res->get_header_value("Location"), "/massmigrations/login") << page;
  }
  for (const char* api :
       {"/massmigrations/api/status", "/massmigrations/healthz", "/massmigrations/metrics"}) {
    httplib::Result res = get(api);
    EXPECT_EQ(res->status, 401) << api;
    EXPECT_EQ(res->body.find("shop:"), std::string::npos) << api;
  }
  // A same-origin post without a session changes nothing.
  httplib::Result res =
      post("/massmigrations/migrations/shop:0001_initial/default/run", {{"csrf_token", "0"}});
  EXPECT_EQ(res->status, 303);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
}

TEST_P(Console, AWrongPasswordGetsNoSessionAndRepeatedOnesAreLockedOut) {
  httplib::Result wrong = log_in("hunter2");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  EXPECT_NE(wrong->body.find("Wrong user name or password."), std::string::npos);
  for (int i = 1; i < 5; ++i) EXPECT_EQ(log_in("hunter2")->status, 401);
  // Five failures: now even the right password is not tried.
  httplib::Result locked = log_in();
  EXPECT_EQ(locked->status, 429);
  EXPECT_FALSE(locked->has_header("Set-Cookie"));
  EXPECT_GT(std::stoi(locked->get_header_value("Retry-After")), 0);
}

TEST_P(Console, ConcurrentWrongLoginsGetNoMoreTriesThanTheLimit) {
  // Each attempt counts from its start, so attempts in flight together cannot all slip past
  // the count while the password hashes are being checked.
  // One login first (it succeeds, so it counts nothing): httplib (Debian's build, not
  // instrumented) builds function-local statics on its first requests, whose guard
  // ThreadSanitizer cannot see; done once here, its server threads are ordered after it.
  ASSERT_EQ(log_in()->status, 303);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0}, locked{0};
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      const int status = log_in("hunter2")->status;
      if (status == 401) ++wrong;
      if (status == 429) ++locked;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 5);
  EXPECT_EQ(locked.load(), 7);
}

TEST_P(Console, BehindAProxyFailuresCountPerClientNotPerProxy) {
  mm::web::ConsoleOptions options = builtin_login();
  options.client_address = [](const httplib::Request& request) {
    return request.get_header_value("X-Client");
  };
  start(options);
  auto attempt = [&](const std::string& address, const std::string& password) {
    return client().Post("/massmigrations/login",
                         {{"Origin", server_->origin()}, {"X-Client", address}},
                         httplib::Params{{"username", "admin"}, {"password", password}});
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt("10.0.0.1", "hunter2")->status, 401);
  EXPECT_EQ(attempt("10.0.0.1", kPassword)->status, 429);
  EXPECT_EQ(attempt("10.0.0.2", kPassword)->status, 303);
}

TEST_P(Console, TheSessionCookieIsHttpOnlyStrictAndLogoutEndsItOnTheServer) {
  httplib::Result res = log_in();
  ASSERT_EQ(res->status, 303);
  EXPECT_EQ(res->get_header_value("Location"), "/massmigrations/");
  const std::string set_cookie = res->get_header_value("Set-Cookie");
  EXPECT_NE(set_cookie.find("; Path=/massmigrations"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << set_cookie;
  const std::string cookie = cookie_of(res);
  httplib::Result page = get("/massmigrations/", cookie);
  ASSERT_EQ(page->status, 200);
  httplib::Result out =
      post("/massmigrations/logout", {{"csrf_token", csrf_token_in(page->body)}}, cookie);
  EXPECT_EQ(out->status, 303);
  EXPECT_EQ(out->get_header_value("Location"), "/massmigrations/login");
  // The old cookie, kept by someone, opens nothing.
  EXPECT_EQ(get("/massmigrations/", cookie)->status, 303);
  EXPECT_EQ(get("/massmigrations/api/status", cookie)->status, 401);
}

TEST_P(Console, BehindTlsTheCookieIsSecureAndOnlyHttpsPagesOfTheHostMayPost) {
  mm::web::ConsoleOptions options = builtin_login();
  options.login->secure_cookie = true;
  start(options);
  const httplib::Params form = {{"username", "admin"}, {"password", kPassword}};
  // A plain-HTTP page of the same host, which whoever can write into unencrypted traffic could
  // serve, is another origin.
  httplib::Result plain = post("/massmigrations/login", form, "", server_->origin());
  EXPECT_EQ(plain->status, 403);
  EXPECT_FALSE(plain->has_header("Set-Cookie"));
  httplib::Result tls = post("/massmigrations/login", form, "", server_->tls_origin());
  ASSERT_EQ(tls->status, 303);
  EXPECT_NE(tls->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
  const std::string cookie = cookie_of(tls);
  const std::string token =
      csrf_token_in(get("/massmigrations/migrations/shop:0001_initial", cookie)->body);
  const std::string path = "/massmigrations/migrations/shop:0001_initial/default/fake";
  const httplib::Params fake = {{"csrf_token", token}, {"confirmed", "yes"}};
  EXPECT_EQ(post(path, fake, cookie, server_->origin())->status, 403);
  httplib::Headers plain_referer = {{"Cookie", cookie},
                                    {"Referer", server_->origin() + "/massmigrations/"}};
  EXPECT_EQ(client().Post(path, plain_referer, fake)->status, 403);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
  EXPECT_EQ(post(path, fake, cookie, server_->tls_origin())->status, 303);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kApplied);
}

TEST_P(Console, APostWithoutTheSessionsTokenIsRefusedAndChangesNothing) {
  const Session s = session();
  const std::string path = "/massmigrations/migrations/shop:0001_initial/default/run";
  httplib::Result none = post(path, {}, s.cookie);
  EXPECT_EQ(none->status, 403);
  httplib::Result wrong = post(path, {{"csrf_token", std::string(s.token.size(), 'a')}}, s.cookie);
  EXPECT_EQ(wrong->status, 403);
  EXPECT_NE(wrong->body.find("nothing was changed"), std::string::npos);
  // Nor in the query string, where logs and links keep it.
  EXPECT_EQ(post(path + "?csrf_token=" + s.token, {}, s.cookie)->status, 403);
  // Another session's token does not do either.
  const Session other = session();
  EXPECT_EQ(post(path, {{"csrf_token", other.token}}, s.cookie)->status, 403);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
  EXPECT_TRUE(mm::api::migration_history(mm::MigrationKey(kInitial), "default").empty());
}

TEST_P(Console, APostFromAnotherSiteIsRefusedAndChangesNothing) {
  const Session s = session();
  const std::string path = "/massmigrations/migrations/shop:0001_initial/default/fake";
  const httplib::Params form = {{"csrf_token", s.token}, {"confirmed", "yes"}};
  EXPECT_EQ(post(path, form, s.cookie, "https://evil.example")->status, 403);
  EXPECT_EQ(post(path, form, s.cookie, server_->origin() + ".evil.example")->status, 403);
  EXPECT_EQ(post(path, form, s.cookie, "null")->status, 403);
  EXPECT_EQ(post(path, form, s.cookie, /*origin=*/"")->status, 403);  // nor Referer
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
  // Without Origin, a Referer of this server's own pages is same-origin.
  httplib::Headers headers = {{"Cookie", s.cookie},
                              {"Referer", server_->origin() + "/massmigrations/"}};
  httplib::Result res = client().Post(path, headers, form);
  EXPECT_EQ(res->status, 303);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kApplied);
}

TEST_P(Console, ALoginFromAnotherSiteIsRefused) {
  httplib::Result res =
      post("/massmigrations/login", {{"username", "admin"}, {"password", kPassword}}, "",
           "https://evil.example");
  EXPECT_EQ(res->status, 403);
  EXPECT_FALSE(res->has_header("Set-Cookie"));
}

// DNS rebinding: a page of evil.example, whose name now resolves to this server, is
// same-origin with itself; only the Host it sends tells it apart.
TEST_P(Console, OnlyTheAllowedHostNamesAreAnswered) {
  mm::web::ConsoleOptions options = builtin_login();
  options.allowed_hosts = {"Migrations.Example.com", "[::1]"};
  options.login->allowed_hosts = {"localhost:1"};  // [console] allowed_hosts adds to them
  start(options);
  const std::string port = std::to_string(server_->port());
  auto status_for_host = [&](const std::string& host, const std::string& path) {
    return client().Get(path, {{"Host", host}})->status;
  };
  EXPECT_EQ(status_for_host("127.0.0.1:" + port, "/massmigrations/login"), 400);
  EXPECT_EQ(status_for_host("migrations.example.com:" + port, "/massmigrations/login"), 200);
  EXPECT_EQ(status_for_host("MIGRATIONS.example.com", "/massmigrations/login"), 200);
  EXPECT_EQ(status_for_host("localhost:1", "/massmigrations/login"), 200);
  EXPECT_EQ(status_for_host("localhost:2", "/massmigrations/login"), 400);
  EXPECT_EQ(status_for_host("[::1]:" + port, "/massmigrations/login"), 200);
  EXPECT_EQ(status_for_host("[::1]", "/massmigrations/login"), 200);
  EXPECT_EQ(status_for_host("[::2]:" + port, "/massmigrations/login"), 400);
  // Only digits after the last colon are a port.
  EXPECT_EQ(status_for_host("migrations.example.com:evil", "/massmigrations/login"), 400);
  EXPECT_EQ(status_for_host("migrations.example.com:@evil.example", "/massmigrations/login"), 400);
  EXPECT_EQ(status_for_host("localhost:1:2", "/massmigrations/login"), 400);
  EXPECT_EQ(status_for_host("evil.example:" + port, "/massmigrations/static/console.js"), 400);
  httplib::Result marked_up = client().Get("/massmigrations/", {{"Host", "<b>evil</b>"}});
  EXPECT_EQ(marked_up->status, 400);
  EXPECT_NE(marked_up->body.find("does not answer to &quot;&lt;b&gt;evil&lt;/b&gt;&quot;"),
            std::string::npos)
      << marked_up->body;
  EXPECT_EQ(marked_up->get_header_value("X-Frame-Options"), "DENY");
  // The rebinding page logs in with a guessed password: refused before it is even tried.
  const std::string evil = "evil.example:" + port;
  httplib::Result login =
      client().Post("/massmigrations/login", {{"Host", evil}, {"Origin", "http://" + evil}},
                    httplib::Params{{"username", "admin"}, {"password", kPassword}});
  EXPECT_EQ(login->status, 400);
  EXPECT_FALSE(login->has_header("Set-Cookie"));
}

TEST_P(Console, GetChangesNothing) {
  const Session s = session();
  httplib::Result run = get("/massmigrations/migrations/shop:0001_initial/default/run", s.cookie);
  EXPECT_EQ(run->status, 405);
  EXPECT_EQ(run->get_header_value("Allow"), "POST");
  httplib::Result confirm =
      get("/massmigrations/migrations/shop:0001_initial/default/fake", s.cookie);
  EXPECT_EQ(confirm->status, 200);
  EXPECT_NE(confirm->body.find("without running it"), std::string::npos);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
}

TEST_P(Console, RunLaunchesItAndTheTrailNamesTheUser) {
  const Session s = session();
  httplib::Result res = act(s, kInitial, "default", "run");
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(res->get_header_value("Location"), "/massmigrations/migrations/shop:0001_initial");
  // The configured default is inline: the console launches on threads instead, so the
  // request did not wait for the run.
  ASSERT_TRUE(mm::test::await_status(mm::MigrationKey(kInitial), "default",
                                     {mm::MigrationStatus::kApplied}));
  const std::vector<mm::MigrationEvent> trail =
      mm::api::migration_history(mm::MigrationKey(kInitial), "default");
  ASSERT_FALSE(trail.empty());
  EXPECT_EQ(trail.front().action, "launch");
  EXPECT_EQ(trail.front().actor, "admin");
  httplib::Result page = get(res->get_header_value("Location"), s.cookie);
  EXPECT_NE(page->body.find("Launched shop:0001_initial on default."), std::string::npos);
  EXPECT_NE(page->body.find("<td>launch</td><td>admin</td>"), std::string::npos);
}

TEST_P(Console, AnActionTheStatusDoesNotAllowIs422AndChangesNothing) {
  const Session s = session();
  httplib::Result pause = act(s, kInitial, "default", "pause");
  EXPECT_EQ(pause->status, 422);
  EXPECT_NE(pause->body.find("pause needs the status RUNNING or STALLED; it is NOT_RUN"),
            std::string::npos)
      << pause->body;
  // The status allows it, the API refuses it: a dependency is not applied.
  httplib::Result run = act(s, kBackfill, "default", "run");
  EXPECT_EQ(run->status, 422);
  EXPECT_NE(run->body.find("shop:0001_initial"), std::string::npos) << run->body;
  EXPECT_EQ(status(kBackfill, "default"), mm::MigrationStatus::kNotRun);
  // Delete needs a record that may be deleted.
  httplib::Result del = act(s, kInitial, "default", "delete", {{"confirmed", "yes"}});
  EXPECT_EQ(del->status, 422);
  EXPECT_NE(del->body.find("delete needs the status APPLIED, ERRORED or CANCELLED; it is NOT_RUN"),
            std::string::npos)
      << del->body;
  httplib::Result cancel = act(s, kInitial, "default", "cancel");
  EXPECT_NE(cancel->body.find(
                "cancel needs the status RUNNING, PAUSING, PAUSED or STALLED; it is NOT_RUN"),
            std::string::npos)
      << cancel->body;
  mm::api::fake_migration(kInitial, "default");
  httplib::Result again = act(s, kInitial, "default", "run");
  EXPECT_EQ(again->status, 422);
  EXPECT_NE(again->body.find("run needs the status NOT_RUN; it is APPLIED"), std::string::npos)
      << again->body;
}

TEST_P(Console, FakeAndDeleteAskForConfirmationFirst) {
  const Session s = session();
  httplib::Result ask = act(s, kInitial, "default", "fake");
  EXPECT_EQ(ask->status, 200);
  EXPECT_NE(ask->body.find(R"(name="confirmed" value="yes")"), std::string::npos);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
  EXPECT_EQ(act(s, kInitial, "default", "fake", {{"confirmed", "yes"}})->status, 303);
  std::optional<mm::MigrationRecord> faked =
      mm::api::get_record(mm::MigrationKey(kInitial), "default");
  ASSERT_TRUE(faked);
  EXPECT_TRUE(faked->was_faked);
  EXPECT_EQ(mm::api::migration_history(mm::MigrationKey(kInitial), "default").back().actor,
            "admin");

  EXPECT_EQ(act(s, kInitial, "default", "delete")->status, 200);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kApplied);
  EXPECT_EQ(act(s, kInitial, "default", "delete", {{"confirmed", "yes"}})->status, 303);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
  const mm::MigrationEvent deleted =
      mm::api::migration_history(mm::MigrationKey(kInitial), "default").back();
  EXPECT_EQ(deleted.action, "delete");
  EXPECT_EQ(deleted.actor, "admin");
}

TEST_P(Console, UnknownKeysDatabasesAndActionsAre404) {
  const Session s = session();
  for (const char* path :
       {"/massmigrations/migrations/not-a-key", "/massmigrations/migrations/shop:9999_nothing",
        "/massmigrations/migrations/shop:0001_initial%27%20OR%201=1",
        "/massmigrations/migrations/shop:0001_initial/nowhere/fake",
        "/massmigrations/migrations/shop:0001_initial/default/explode",
        "/massmigrations/?database=nowhere", "/massmigrations/?app=nothing"}) {
    EXPECT_EQ(get(path, s.cookie)->status, 404) << path;
  }
  EXPECT_EQ(act(s, kInitial, "nowhere", "run")->status, 404);
  EXPECT_EQ(act(s, "shop:9999_nothing", "default", "run")->status, 404);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
}

TEST_P(Console, EveryValueIsShownAsText) {
  try {
    mm::api::initiate_migration(mm::MigrationKey(kXss), "default", {.backend = "inline"});
  } catch (const std::exception&) {
  }
  ASSERT_EQ(status(kXss, "default"), mm::MigrationStatus::kErrored);
  const Session s = session();
  for (const std::string path :
       {"/massmigrations/", "/massmigrations/migrations/xss:0001_script"}) {
    const std::string body = get(path, s.cookie)->body;
    EXPECT_EQ(body.find("<script>alert"), std::string::npos) << path;
    EXPECT_NE(body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << path;
    EXPECT_EQ(body.find("<img src=x"), std::string::npos) << path;
  }
  const std::string detail = get("/massmigrations/migrations/xss:0001_script", s.cookie)->body;
  EXPECT_NE(detail.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos) << detail;
}

TEST_P(Console, EveryAnswerForbidsFramingSniffingAndInlineScript) {
  const Session s = session();
  for (const char* path : {"/massmigrations/", "/massmigrations/login",
                           "/massmigrations/api/status", "/massmigrations/migrations/x"}) {
    httplib::Result res = get(path, s.cookie);
    EXPECT_EQ(res->get_header_value("Content-Security-Policy").rfind("default-src 'self'", 0), 0u)
        << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY") << path;
  }
  EXPECT_EQ(get("/massmigrations/", s.cookie)->body.find("<script>"), std::string::npos);
}

TEST_P(Console, ApiStatusIsTheShowmigrationsJson) {
  mm::api::fake_migration(mm::MigrationKey(kInitial), "default");
  const Session s = session();
  httplib::Result res = get("/massmigrations/api/status", s.cookie);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  std::istringstream in;
  std::ostringstream out, err;
  ASSERT_EQ(mm::cli::run("manage", {"showmigrations", "--format", "json"}, in, out, err), 0)
      << err.str();
  EXPECT_EQ(res->body, out.str());
  EXPECT_NE(res->body.find(R"("default": "APPLIED")"), std::string::npos);
}

TEST_P(Console, HealthIsDegradedWhileARunIsErrored) {
  const Session s = session();
  httplib::Result ok = get("/massmigrations/healthz", s.cookie);
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find(R"("status":"ok")"), std::string::npos) << ok->body;
  try {
    mm::api::initiate_migration(mm::MigrationKey(kXss), "default", {.backend = "inline"});
  } catch (const std::exception&) {
  }
  httplib::Result bad = get("/massmigrations/healthz", s.cookie);
  EXPECT_EQ(bad->status, 503);
  EXPECT_NE(bad->body.find(R"("status":"degraded")"), std::string::npos) << bad->body;
  EXPECT_NE(bad->body.find(R"({"database":"default","key":"xss:0001_script","status":"ERRORED"})"),
            std::string::npos)
      << bad->body;
}

TEST_P(Console, HealthIsDegradedWhenADatabaseCannotBeRead) {
  mm::Config config = dbs_->config();
  config.databases["shop_db"] = dbs_->unreachable_url();
  mm::configure(config);
  const Session s = session();
  httplib::Result res = get("/massmigrations/healthz", s.cookie);
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(res->body.find(R"("default":"ok")"), std::string::npos) << res->body;
  EXPECT_EQ(res->body.find(R"("shop_db":"ok")"), std::string::npos) << res->body;
  // The pages still answer, saying what cannot be read.
  httplib::Result page = get("/massmigrations/", s.cookie);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("Cannot read the records of shop_db"), std::string::npos);
}

TEST_P(Console, MetricsGiveEachStatusAndTheRowsOfMappers) {
  mm::api::fake_migration(mm::MigrationKey(kInitial), "default");
  const Session s = session();
  httplib::Result res = get("/massmigrations/metrics", s.cookie);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("# TYPE massmigration_migration_status gauge"), std::string::npos);
  EXPECT_NE(
      res->body.find(
          R"(massmigration_migration_status{key="shop:0001_initial",app="shop",database="default",status="APPLIED"} 1)"),
      std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find(R"(massmigration_database_up{database="shop_db"} 1)"),
            std::string::npos);
}

TEST_P(Console, MetricsCountThisProcesssRefusalsChunksAndClaims) {
  const Session s = session();
  auto metrics = [&] { return get("/massmigrations/metrics", s.cookie)->body; };
  auto value = [](const std::string& text, const std::string& series) {
    const size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + series.size() + 2));
  };
  const std::string before = metrics();
  const std::string refusals =
      R"(massmigration_guard_refusals_total{key="shop:0002_backfill_slugs"})";
  const double refused = std::max(0.0, value(before, refusals));
  const double chunks = value(before, "massmigration_chunk_duration_seconds_count");
  ASSERT_GE(chunks, 0) << before;
  EXPECT_GE(value(before, "massmigration_worker_claims_total"), 0) << before;
  {
    mm::testing::ScopedEnforcement enforce;  // guards check even in a test program
    EXPECT_THROW(mm::requires_migration(kBackfill)([] {})(), mm::RequiredMigrationNotApplied);
    EXPECT_THROW(mm::requires_migration(kBackfill)([] {})(), mm::RequiredMigrationNotApplied);
  }
  dbs_->execute("default", "CREATE TABLE touch (id INTEGER PRIMARY KEY)");
  dbs_->execute("default", "INSERT INTO touch (id) VALUES (1), (2), (3)");
  mm::api::initiate_migration(mm::MigrationKey(kTouch), "default", {.backend = "inline"});
  ASSERT_EQ(status(kTouch, "default"), mm::MigrationStatus::kApplied);
  const std::string after = metrics();
  EXPECT_EQ(value(after, refusals), refused + 2) << after;
  EXPECT_GE(value(after, "massmigration_chunk_duration_seconds_count"), chunks + 1) << after;
  EXPECT_NE(after.find(R"(massmigration_chunk_duration_seconds_bucket{le="+Inf"})"),
            std::string::npos)
      << after;
}

TEST_P(Console, PublicProbesAnswerWithoutAUserAndNothingElseDoes) {
  mm::web::ConsoleOptions options = builtin_login();
  options.public_probes = true;
  start(options);
  EXPECT_EQ(get("/massmigrations/healthz")->status, 200);
  EXPECT_EQ(get("/massmigrations/metrics")->status, 200);
  EXPECT_EQ(get("/massmigrations/api/status")->status, 401);
}

TEST_P(Console, TheApplicationsOwnUsersAuthorizeAndAct) {
  mm::web::ConsoleOptions options;
  options.authorize = [](const httplib::Request& request) -> std::optional<std::string> {
    if (!request.has_header("X-Staff")) return std::nullopt;
    return request.get_header_value("X-Staff");
  };
  options.login_url = "/accounts/login";
  options.secure_cookie = true;
  start(options);
  EXPECT_EQ(get("/massmigrations/")->get_header_value("Location"), "/accounts/login");
  EXPECT_EQ(get("/massmigrations/login")->status, 404);  // no login of its own

  httplib::Result page = client().Get("/massmigrations/", {{"X-Staff", "ada"}});
  ASSERT_EQ(page->status, 200);
  const std::string cookie = cookie_of(page);
  EXPECT_NE(page->get_header_value("Set-Cookie").find("; HttpOnly; SameSite=Strict; Secure"),
            std::string::npos);
  // The migration's page carries the token in its forms.
  const std::string token = csrf_token_in(client()
                                              .Get("/massmigrations/migrations/shop:0001_initial",
                                                   {{"X-Staff", "ada"}, {"Cookie", cookie}})
                                              ->body);
  ASSERT_FALSE(token.empty());
  const std::string path = "/massmigrations/migrations/shop:0001_initial/default/fake";
  const httplib::Params form = {{"csrf_token", token}, {"confirmed", "yes"}};
  // Another user with ada's console session is refused.
  httplib::Headers grace = {
      {"X-Staff", "grace"}, {"Cookie", cookie}, {"Origin", server_->tls_origin()}};
  EXPECT_EQ(client().Post(path, grace, form)->status, 403);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kNotRun);
  httplib::Headers ada = {
      {"X-Staff", "ada"}, {"Cookie", cookie}, {"Origin", server_->tls_origin()}};
  EXPECT_EQ(client().Post(path, ada, form)->status, 303);
  EXPECT_EQ(status(kInitial, "default"), mm::MigrationStatus::kApplied);
  EXPECT_EQ(mm::api::migration_history(mm::MigrationKey(kInitial), "default").back().actor, "ada");
  // The API makes no session; pages without the cookie get ada's one session again.
  EXPECT_FALSE(
      client().Get("/massmigrations/api/status", {{"X-Staff", "ada"}})->has_header("Set-Cookie"));
  EXPECT_EQ(cookie_of(client().Get("/massmigrations/", {{"X-Staff", "ada"}})), cookie);
  // ada logs out of the application, not of the console: no button, and no route.
  EXPECT_EQ(page->body.find("/logout"), std::string::npos);
  EXPECT_EQ(
      client().Post("/massmigrations/logout", ada, httplib::Params{{"csrf_token", token}})->status,
      404);
}

TEST(ConsoleMount, RefusesAConsoleWithoutUsersOrWithABadPrefix) {
  httplib::Server server;
  EXPECT_THROW(mm::web::mount(server, {}), std::invalid_argument);
  mm::web::ConsoleOptions options = builtin_login();
  for (const char* prefix : {"admin", "/admin/", "/a b", "/(.*)", "/.", "/a/..", "/../b"}) {
    options.prefix = prefix;
    EXPECT_THROW(mm::web::mount(server, options), std::invalid_argument) << prefix;
  }
  options.prefix = "/massmigrations";
  options.allowed_hosts = {""};
  EXPECT_THROW(mm::web::mount(server, options), std::invalid_argument);
  options.allowed_hosts = {};
  options.login->allowed_hosts = {"example.com", ""};
  EXPECT_THROW(mm::web::mount(server, options), std::invalid_argument);
}

TEST(ConsolePassword, HashesAreSaltedAndVerifyOnlyTheirPassword) {
  const std::string a = mm::web::hash_password("secret");
  EXPECT_EQ(a.rfind("$argon2id$v=19$", 0), 0u) << a;
  EXPECT_NE(a, mm::web::hash_password("secret"));
  EXPECT_TRUE(mm::web::verify_password("secret", a));
  EXPECT_FALSE(mm::web::verify_password("Secret", a));
  EXPECT_FALSE(mm::web::verify_password("secret", "$argon2id$garbage"));
  EXPECT_FALSE(mm::web::verify_password("secret", "secret"));
  EXPECT_TRUE(mm::web::is_password_hash(a));
  EXPECT_FALSE(mm::web::is_password_hash(a.substr(0, a.rfind('$'))));  // pasted short
  EXPECT_FALSE(mm::web::is_password_hash("$argon2id$garbage"));
  EXPECT_FALSE(mm::web::is_password_hash("secret"));
}

TEST(ConsolePassword, TheCommandPrintsAHashOfTheLineOnStandardInput) {
  std::istringstream in("s3cret pass\n");
  std::ostringstream out, err;
  ASSERT_EQ(mm::cli::run("manage", {"console-password"}, in, out, err), 0) << err.str();
  std::string hash = out.str();
  ASSERT_FALSE(hash.empty());
  ASSERT_EQ(hash.back(), '\n');
  hash.pop_back();
  EXPECT_TRUE(mm::web::verify_password("s3cret pass", hash));
  std::istringstream empty("");
  std::ostringstream out2, err2;
  EXPECT_EQ(mm::cli::run("manage", {"console-password"}, empty, out2, err2), 2);
  EXPECT_NE(err2.str().find("no password on standard input"), std::string::npos);
}

}  // namespace
