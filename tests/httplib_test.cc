// view_requires_migration through a real cpp-httplib server on an OS-chosen loopback port.
#include "massmigration/httplib.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::kBackfill;

namespace {

class ViewGuard : public ::testing::Test {
 protected:
  void SetUp() override {
    mm::configure(dbs_.config());
    previous_sink_ = mm::set_log_sink([this](mm::LogLevel level, std::string_view message) {
      std::lock_guard lock(log_mu_);
      logged_.emplace_back(level, std::string(message));
    });
    auto products = [this](const httplib::Request&, httplib::Response& res) {
      ++handler_calls_;
      res.set_content("products", "text/plain");
    };
    server_.Get("/products", mm::view_requires_migration(kBackfill)(products));
    server_.Get("/slow-retry", mm::view_requires_migration(kBackfill).retry_after(
                                   std::chrono::seconds(30))(products));
    server_.Get("/typo", mm::view_requires_migration("shop:0002_backfil_slugs")(products));
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    // The socket already listens; requests queue until the loop below accepts them.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
    mm::set_log_sink(previous_sink_);
  }
  httplib::Result get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    return client.Get(path);
  }
  std::vector<std::pair<mm::LogLevel, std::string>> logged() {
    std::lock_guard lock(log_mu_);
    return logged_;
  }

  mm::testing::TemporaryDatabases dbs_{{"default", "shop_db"}};
  mm::testing::ScopedEnforcement enforce_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> handler_calls_{0};
  mm::LogSink previous_sink_;
  std::mutex log_mu_;
  std::vector<std::pair<mm::LogLevel, std::string>> logged_;
};

TEST_F(ViewGuard, AnswersServiceUnavailableWithoutCallingTheHandler) {
  httplib::Result res = get("/products");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, "This resource requires data changes which have not yet been made.");
  EXPECT_EQ(res->get_header_value("Retry-After"), "60");
  EXPECT_EQ(handler_calls_.load(), 0);
  auto log = logged();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].first, mm::LogLevel::kWarning);
  EXPECT_NE(log[0].second.find("refused GET /products with 503"), std::string::npos);
  EXPECT_NE(log[0].second.find(kBackfill), std::string::npos) << log[0].second;
}

TEST_F(ViewGuard, CallsTheHandlerOnceApplied) {
  mm::testing::mark_applied(kBackfill, "default");
  mm::testing::mark_applied(kBackfill, "shop_db");
  httplib::Result res = get("/products");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "products");
  EXPECT_EQ(handler_calls_.load(), 1);
  EXPECT_TRUE(logged().empty());
}

TEST_F(ViewGuard, RetryAfterIsConfigurable) {
  httplib::Result res = get("/slow-retry");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->get_header_value("Retry-After"), "30");
}

TEST_F(ViewGuard, AMisconfiguredGuardAnswers500AndLogsTheMistake) {
  httplib::Result res = get("/typo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(handler_calls_.load(), 0);
  auto log = logged();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].first, mm::LogLevel::kError);
  EXPECT_NE(log[0].second.find("unknown migration shop:0002_backfil_slugs"), std::string::npos);
}

TEST_F(ViewGuard, AStoreThatCannotAnswerAlsoGets503) {
  mm::testing::mark_applied(kBackfill, "default");
  mm::testing::mark_applied(kBackfill, "shop_db");
  mm::reset_guard_cache();
  std::filesystem::remove(dbs_.path("shop_db"));
  std::filesystem::remove(dbs_.path("shop_db").string() + "-wal");
  std::filesystem::remove(dbs_.path("shop_db").string() + "-shm");
  mm::Config config = dbs_.config();
  config.databases["shop_db"] = "sqlite://" + (dbs_.directory() / "gone" / "shop.db").string();
  mm::configure(config);
  httplib::Result res = get("/products");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(handler_calls_.load(), 0);
}

}  // namespace
