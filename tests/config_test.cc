#include "massmigration/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/test_migrations.h"

namespace mm = massmigration;

namespace {

constexpr char kFullConfig[] = R"toml(
[databases]
default = "sqlite:///tmp/unused-default.db"
shop_db = "sqlite:///tmp/unused-shop.db"

[routing]
shop = "shop_db"

[backend]
default = "threads"
)toml";

// The error's entry and message, for assertions that name both.
struct Caught {
  std::string entry;
  std::string what;
};

template <typename Fn>
Caught config_error(Fn fn) {
  try {
    fn();
  } catch (const mm::ConfigError& e) {
    return {e.entry(), e.what()};
  }
  ADD_FAILURE() << "no ConfigError";
  return {};
}

TEST(ConfigToml, ReadsDatabasesRoutingAndBackend) {
  mm::Config config = mm::Config::from_toml_string(kFullConfig);
  EXPECT_EQ(config.databases.at("default"), "sqlite:///tmp/unused-default.db");
  EXPECT_EQ(config.databases.at("shop_db"), "sqlite:///tmp/unused-shop.db");
  EXPECT_EQ(config.routing.at("shop"), "shop_db");
  EXPECT_EQ(config.default_backend, "threads");
}

TEST(ConfigToml, ReadsTheRecordCacheTtl) {
  EXPECT_EQ(mm::Config::from_toml_string("[records]\ncache_ttl_ms = 250\n").record_cache_ttl,
            std::chrono::milliseconds(250));
  EXPECT_EQ(mm::Config{}.record_cache_ttl, std::chrono::milliseconds(1000));
  Caught e = config_error(
      [] { mm::Config::from_toml_string("[records]\ncache_ttl_ms = \"soon\"\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [records] cache_ttl_ms");
  EXPECT_NE(e.what.find("whole number of milliseconds"), std::string::npos) << e.what;
}

TEST(ConfigToml, ReadsTheGuardsNotAppliedRecheckInterval) {
  EXPECT_EQ(mm::Config::from_toml_string("[guards]\nnot_applied_recheck_ms = 0\n")
                .guard_not_applied_recheck,
            std::chrono::milliseconds(0));
  EXPECT_EQ(mm::Config{}.guard_not_applied_recheck, std::chrono::milliseconds(5));
  Caught e = config_error(
      [] { mm::Config::from_toml_string("[guards]\nnot_applied_recheck_ms = -1\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [guards] not_applied_recheck_ms");
  EXPECT_NE(e.what.find("whole number of milliseconds, 0 or more"), std::string::npos) << e.what;
  e = config_error([] { mm::Config::from_toml_string("[guards]\nrecheck_ms = 3\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [guards] recheck_ms");
  EXPECT_NE(e.what.find("expected not_applied_recheck_ms"), std::string::npos) << e.what;
}

TEST(ConfigToml, ReadsTheRunLeaseAndThePauseBetweenChunks) {
  mm::Config config =
      mm::Config::from_toml_string("[runs]\nlease_seconds = 2.5\npause_between_chunks_ms = 20\n");
  EXPECT_EQ(config.run_lease, std::chrono::milliseconds(2500));
  EXPECT_EQ(config.pause_between_chunks, std::chrono::milliseconds(20));
  EXPECT_EQ(mm::Config::from_toml_string("[runs]\nlease_seconds = 10\n").run_lease,
            std::chrono::seconds(10));
  EXPECT_EQ(mm::Config{}.run_lease, std::chrono::seconds(30));
  // Unset: the engine decides (SQLite shares the file in slices).
  EXPECT_EQ(mm::Config{}.pause_between_chunks, std::nullopt);
  EXPECT_EQ(
      mm::Config::from_toml_string("[runs]\npause_between_chunks_ms = 0\n").pause_between_chunks,
      std::chrono::milliseconds(0));
  for (const char* lease : {"0", "-1", "\"30s\"", "nan"}) {
    SCOPED_TRACE(lease);
    Caught e = config_error([&] {
      mm::Config::from_toml_string(std::string("[runs]\nlease_seconds = ") + lease + "\n",
                                   "app.toml");
    });
    EXPECT_EQ(e.entry, "app.toml:2 [runs] lease_seconds");
    EXPECT_NE(e.what.find("expected a number of seconds above 0"), std::string::npos) << e.what;
  }
  Caught e = config_error(
      [] { mm::Config::from_toml_string("[runs]\npause_between_chunks_ms = 1.5\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [runs] pause_between_chunks_ms");
  EXPECT_NE(e.what.find("whole number of milliseconds, 0 or more"), std::string::npos) << e.what;
  e = config_error([] { mm::Config::from_toml_string("[runs]\nlease = 3\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [runs] lease");
  EXPECT_NE(e.what.find("unknown entry (expected lease_seconds or pause_between_chunks_ms)"),
            std::string::npos)
      << e.what;
}

TEST(ConfigToml, ConsoleLoginIsReadWithItsHash) {
  const mm::Config config = mm::Config::from_toml_string(
      "[console]\nusername = \"admin\"\npassword_hash = "
      "\"$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA\"\n"
      "secure_cookie = true\nclient_address_header = \"X-Forwarded-For\"\n"
      "allowed_hosts = [\"migrations.example.com\", \"localhost:8000\"]\n");
  ASSERT_TRUE(config.console.has_value());
  EXPECT_EQ(config.console->username, "admin");
  EXPECT_EQ(config.console->password_hash, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA");
  EXPECT_TRUE(config.console->secure_cookie);
  EXPECT_EQ(config.console->client_address_header, "X-Forwarded-For");
  EXPECT_EQ(config.console->allowed_hosts,
            (std::vector<std::string>{"migrations.example.com", "localhost:8000"}));
  EXPECT_FALSE(mm::Config::from_toml_string("[runs]\nlease_seconds = 3\n").console.has_value());
}

TEST(ConfigToml, ConsoleEntriesThatAreWrongNameTheirLine) {
  // A password written where its hash belongs is refused, so it is not left lying in a file
  // that looks as if it held none.
  Caught e = config_error([] {
    mm::Config::from_toml_string("[console]\nusername = \"admin\"\npassword_hash = \"hunter2\"\n",
                                 "app.toml");
  });
  EXPECT_EQ(e.entry, "app.toml:3 [console] password_hash");
  EXPECT_NE(e.what.find("expected an argon2id hash"), std::string::npos) << e.what;
  e = config_error(
      [] { mm::Config::from_toml_string("[console]\nusername = \"admin\"\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:1 [console]");
  EXPECT_NE(e.what.find("missing password_hash"), std::string::npos) << e.what;
  e = config_error(
      [] { mm::Config::from_toml_string("[console]\nsecure_cookie = \"yes\"\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [console] secure_cookie");
  EXPECT_NE(e.what.find("expected true or false, found a string"), std::string::npos) << e.what;
  e = config_error(
      [] { mm::Config::from_toml_string("[console]\nuser = \"admin\"\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [console] user");
  EXPECT_NE(e.what.find("unknown entry (expected username, password_hash, secure_cookie, "
                        "client_address_header or allowed_hosts)"),
            std::string::npos)
      << e.what;
  e = config_error([] {
    mm::Config::from_toml_string("[console]\nallowed_hosts = \"example.com\"\n", "app.toml");
  });
  EXPECT_EQ(e.entry, "app.toml:2 [console] allowed_hosts");
  EXPECT_NE(e.what.find("expected an array of host names, found a string"), std::string::npos)
      << e.what;
  e = config_error([] {
    mm::Config::from_toml_string("[console]\nallowed_hosts = [\"a\", \"\"]\n", "app.toml");
  });
  EXPECT_EQ(e.entry, "app.toml:2 [console] allowed_hosts");
  EXPECT_NE(e.what.find("each a non-empty string"), std::string::npos) << e.what;
}

TEST(ConfigToml, SyntaxErrorNamesSourceAndLine) {
  Caught e = config_error([] {
    mm::Config::from_toml_string("[databases]\ndefault = \"sqlite:///x.db\"\nbroken = \n",
                                 "app.toml");
  });
  EXPECT_EQ(e.entry.rfind("app.toml:3:", 0), 0u) << e.entry;
}

TEST(ConfigToml, NonStringValueNamesTheEntryAndLine) {
  Caught e = config_error(
      [] { mm::Config::from_toml_string("[databases]\n\ndefault = 42\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:3 [databases] default");
  EXPECT_NE(e.what.find("expected a string, found an integer"), std::string::npos) << e.what;
}

TEST(ConfigToml, EveryKindOfNonStringValueIsNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"{ url = \"sqlite:///x.db\" }", "a table"},
      {"[\"sqlite:///x.db\"]", "an array"},
      {"4.5", "a number"},
      {"true", "a boolean"},
      {"2026-11-30", "a date or time"},
  };
  for (const auto& [value, name] : cases) {
    Caught e = config_error([value = value] {
      mm::Config::from_toml_string(std::string("[routing]\nshop = ") + value + "\n", "app.toml");
    });
    EXPECT_EQ(e.entry, "app.toml:2 [routing] shop");
    EXPECT_NE(e.what.find(std::string("expected a string, found ") + name), std::string::npos)
        << value << ": " << e.what;
  }
}

TEST(ConfigToml, ASectionThatIsNotATableNamesIt) {
  Caught e = config_error([] { mm::Config::from_toml_string("databases = \"x\"\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:1 [databases]");
  EXPECT_NE(e.what.find("expected a table of name = \"value\" entries"), std::string::npos)
      << e.what;
  e = config_error([] { mm::Config::from_toml_string("records = 250\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:1 [records]");
  EXPECT_NE(e.what.find("expected a table"), std::string::npos) << e.what;
}

TEST(ConfigToml, UnknownSectionIsAnError) {
  Caught e = config_error([] {
    mm::Config::from_toml_string("[databases]\ndefault = \"sqlite:///x.db\"\n[routes]\nx = \"y\"\n",
                                 "app.toml");
  });
  EXPECT_EQ(e.entry, "app.toml:3 routes");
}

TEST(ConfigToml, UnknownBackendEntryIsAnError) {
  Caught e = config_error(
      [] { mm::Config::from_toml_string("[backend]\ndefalt = \"threads\"\n", "app.toml"); });
  EXPECT_EQ(e.entry, "app.toml:2 [backend] defalt");
}

TEST(ConfigToml, MissingFileNamesThePath) {
  Caught e = config_error([] { mm::Config::from_toml_file("/nonexistent/massmigration.toml"); });
  EXPECT_EQ(e.entry, "/nonexistent/massmigration.toml");
}

TEST(ConfigToml, RelativeSqlitePathsResolveAgainstTheFilesDirectory) {
  mm::testing::TemporaryDatabases dir;
  std::ofstream(dir.directory() / "massmigration.toml")
      << "[databases]\ndefault = \"sqlite:data.db\"\nshop_db = \"sqlite:shop.db\"\n";
  mm::Config config = mm::Config::from_toml_file(dir.directory() / "massmigration.toml");
  EXPECT_EQ(config.base_directory, dir.directory());
  mm::configure(config);
  mm::api::fake_migration(mm::test::kInitial, "default");
  EXPECT_TRUE(std::filesystem::exists(dir.directory() / "data.db"));
}

TEST(ConfigToml, ValueErrorsFromAFileNameItsLine) {
  mm::testing::TemporaryDatabases dir({"default", "shop_db"});
  std::ofstream(dir.directory() / "massmigration.toml")
      << "[databases]\ndefault = \"sqlite:default.db\"\nshop_db = \"sqlite:shop_db.db\"\n\n"
         "[routing]\nblog = \"blogdb\"\n";
  mm::Config config = mm::Config::from_toml_file(dir.directory() / "massmigration.toml");
  Caught e = config_error([&] { mm::configure(config); });
  EXPECT_EQ(e.entry, (dir.directory() / "massmigration.toml").string() + ":6 [routing] blog");
  EXPECT_NE(e.what.find("\"blogdb\", which is not configured"), std::string::npos) << e.what;
}

class Configure : public ::testing::Test {
 protected:
  mm::testing::TemporaryDatabases dbs_{{"default", "shop_db"}};
};

TEST_F(Configure, InstallsAValidConfiguration) {
  mm::configure(dbs_.config({{"shop", "shop_db"}}));
  EXPECT_EQ(mm::current_config().routing.at("shop"), "shop_db");
}

TEST_F(Configure, ALeaseMustBeLongerThanZeroAndAPauseNotNegative) {
  mm::Config config;
  config.databases["default"] = "sqlite:///tmp/unused.db";
  config.run_lease = std::chrono::milliseconds(0);
  Caught e = config_error([&] { mm::configure(config); });
  EXPECT_EQ(e.entry, "runs.lease_seconds");
  config.run_lease = std::chrono::seconds(1);
  config.pause_between_chunks = std::chrono::milliseconds(-1);
  e = config_error([&] { mm::configure(config); });
  EXPECT_EQ(e.entry, "runs.pause_between_chunks_ms");
}

TEST_F(Configure, UnknownSchemeNamesTheAlias) {
  mm::Config config = dbs_.config();
  config.databases["shop_db"] = "mysql://shop@127.0.0.1:3306/shop";
  Caught e = config_error([&] { mm::configure(config); });
  EXPECT_EQ(e.entry, "databases.shop_db");
  EXPECT_NE(e.what.find("unknown database scheme \"mysql\""), std::string::npos) << e.what;
}

TEST_F(Configure, MalformedPostgresUrlSaysWhatLibpqFound) {
  mm::Config config = dbs_.config();
  config.databases["shop_db"] = "postgresql://shop@127.0.0.1:5432/shop?sslmod=require";
  Caught e = config_error([&] { mm::configure(config); });
  EXPECT_EQ(e.entry, "databases.shop_db");
  EXPECT_NE(e.what.find("invalid URI query parameter: \"sslmod\""), std::string::npos) << e.what;
}

TEST_F(Configure, PostgresPortMustBeANumberFrom1To65535) {
  for (std::string port : {"notaport", "0", "65536", "5432x", "-1"}) {
    mm::Config config = dbs_.config();
    const std::string url = "postgresql://u@h:" + port + "/db";
    config.databases["shop_db"] = url;
    Caught e = config_error([&] { mm::configure(config); });
    EXPECT_EQ(e.entry, "databases.shop_db");
    EXPECT_EQ(e.what, "configuration error at databases.shop_db: \"" + url +
                          "\" is not a valid PostgreSQL URL: port \"" + port +
                          "\" is not a number from 1 to 65535");
  }
  mm::Config config = dbs_.config();
  config.databases["shop_db"] = "postgresql://u@h1:5432,h2:bad/db";
  EXPECT_NE(config_error([&] { mm::configure(config); }).what.find("port \"bad\""),
            std::string::npos);
  config.databases["shop_db"] = "postgresql://u@h/db?port=65536";
  EXPECT_NE(config_error([&] { mm::configure(config); }).what.find("port \"65536\""),
            std::string::npos);
}

TEST_F(Configure, PostgresPortsThatLibpqAcceptsPass) {
  for (std::string url :
       {"postgresql://u@h:1/db", "postgresql://u@h:65535/db", "postgresql://u@h/db",
        "postgresql://u@h1:5432,h2/db", "postgresql://u@h1:5432,h2:5433/db?port=5434,5435"}) {
    mm::Config config = dbs_.config();
    config.databases["shop_db"] = url;
    EXPECT_NO_THROW(mm::configure(config)) << url;
  }
}

TEST_F(Configure, RoutingToAnUnknownAliasNamesTheApp) {
  Caught e = config_error([&] { mm::configure(dbs_.config({{"blog", "blog_db"}})); });
  EXPECT_EQ(e.entry, "routing.blog");
  EXPECT_NE(e.what.find("\"blog_db\", which is not configured"), std::string::npos) << e.what;
}

TEST_F(Configure, MalformedEntriesAreRejected) {
  struct Case {
    std::string alias, url, expected_in_message;
  };
  for (const Case& c : std::vector<Case>{
           {"default", "sqlite://host/x.db", "names a host"},
           {"default", "sqlite:", "no file path"},
           {"default", "sqlite:///tmp/x.db?busy_timeout_ms=soon", "busy_timeout_ms"},
           {"default", "sqlite:///tmp/x.db?cache=shared", "unknown option \"cache\""},
           {"default", "sqlite:///:memory:", "in-memory"},
           {"default", "/tmp/x.db", "not a database URL"},
           {"bad alias", "sqlite:///tmp/x.db", "an alias is"},
       }) {
    mm::Config config = dbs_.config();
    config.databases.erase("default");
    config.databases[c.alias] = c.url;
    Caught e = config_error([&] { mm::configure(config); });
    EXPECT_EQ(e.entry, "databases." + c.alias) << c.url;
    EXPECT_NE(e.what.find(c.expected_in_message), std::string::npos) << c.url << ": " << e.what;
  }
}

TEST_F(Configure, UnknownDefaultBackendIsAnError) {
  mm::Config config = dbs_.config();
  config.default_backend = "celery";
  Caught e = config_error([&] { mm::configure(config); });
  EXPECT_EQ(e.entry, "backend.default");
  EXPECT_NE(e.what.find("unknown backend \"celery\" (registered: inline, threads"),
            std::string::npos)
      << e.what;
}

TEST_F(Configure, NoDatabasesIsAnError) {
  EXPECT_EQ(config_error([] { mm::configure(mm::Config{}); }).entry, "databases");
}

TEST_F(Configure, AllowedAliasThatIsNotConfiguredNamesTheMigration) {
  mm::testing::TemporaryDatabases only_default;
  Caught e = config_error([&] { mm::configure(only_default.config()); });
  EXPECT_NE(e.entry.find("migration shop:0002_backfill_slugs allowed_db_aliases"),
            std::string::npos)
      << e.entry;
  EXPECT_NE(e.entry.find("test_migrations.cc:"), std::string::npos) << e.entry;
  EXPECT_NE(e.what.find("database \"shop_db\" is not configured"), std::string::npos) << e.what;
}

TEST_F(Configure, AFailedConfigureLeavesThePreviousOneAndOpensNothing) {
  mm::configure(dbs_.config({{"shop", "shop_db"}}));
  mm::Config bad = dbs_.config({{"shop", "nowhere"}});
  bad.databases["fresh"] = "sqlite://" + (dbs_.directory() / "fresh.db").string();
  EXPECT_THROW(mm::configure(bad), mm::ConfigError);
  EXPECT_EQ(mm::current_config().routing.at("shop"), "shop_db");
  EXPECT_FALSE(std::filesystem::exists(dbs_.directory() / "fresh.db"));
}

}  // namespace
