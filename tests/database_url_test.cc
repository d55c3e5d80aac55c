// The database URLs the drivers accept, and what they make of them, without opening anything.
// Each case here broke a property a fuzzer in fuzz/ checks; its input is in that fuzzer's corpus.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "massmigration/postgres.h"
#include "massmigration/record_store.h"
#include "massmigration/sqlite.h"

namespace mm = massmigration;

namespace {

// The message of the std::invalid_argument `parse` throws, or a failure when it throws none.
template <typename Fn>
std::string refusal(Fn parse) {
  try {
    parse();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return "";
}

mm::sqlite::Location sqlite_location(std::string url) {
  return mm::sqlite::parse_url({"default", std::move(url), "/srv/app"});
}

TEST(SqliteUrl, ANulCharacterIsRefusedInsteadOfCuttingThePathShort) {
  // Opened as a C string, this path would be /srv/app/data.db.
  const std::string url("sqlite:data.db\0.bak", 19);
  EXPECT_EQ(refusal([&] { sqlite_location(url); }),
            "the sqlite URL has a NUL character at byte 14 of its text");
}

TEST(SqliteUrl, APathThatEndsInADirectoryIsRefused) {
  for (std::string url : {"sqlite:data/..", "sqlite:.", "sqlite:///var/lib/.", "sqlite:///.."}) {
    EXPECT_NE(refusal([&] { sqlite_location(url); }).find("names a directory, not a file"),
              std::string::npos)
        << url;
  }
  EXPECT_EQ(sqlite_location("sqlite:data/../shop.db").path, "/srv/app/shop.db");
}

TEST(SqliteUrl, ABusyTimeoutSqliteCannotTakeIsRefused) {
  EXPECT_EQ(refusal([] { sqlite_location("sqlite:x.db?busy_timeout_ms=4294967296"); }),
            "busy_timeout_ms must be at most 2147483647, not 4294967296");
  EXPECT_EQ(sqlite_location("sqlite:x.db?busy_timeout_ms=2147483647").busy_timeout.count(),
            2147483647);
}

TEST(PostgresUrl, ANulCharacterIsRefusedInsteadOfCuttingTheUrlShort) {
  // libpq would read postgresql://db.example.com/shop and never see the rest.
  const std::string url("postgresql://db.example.com/shop\0?sslmode=require", 49);
  EXPECT_EQ(refusal([&] { mm::postgres::connection_string(url); }),
            "the PostgreSQL URL has a NUL character at byte 32 of its text");
}

// What massmigration adds unless the URL sets it: a connect timeout, and keepalives that
// notice a server gone silent within about a minute.
const std::string kDefaults =
    "connect_timeout=5&keepalives_idle=30&keepalives_interval=10&keepalives_count=3&"
    "tcp_user_timeout=60000";
const std::string kDefaultsKeywords =
    "connect_timeout=5 keepalives_idle=30 keepalives_interval=10 keepalives_count=3 "
    "tcp_user_timeout=60000";

TEST(PostgresUrl, TheDefaultsGoIntoTheQueryWhereverAQuestionMarkStands) {
  struct Case {
    std::string url, expected;
  };
  for (const Case& c : std::vector<Case>{
           // A '?' in the password is not the query: the database would be "shop&connect...".
           {"postgresql://shop:pa?ss@db/shop", "postgresql://shop:pa?ss@db/shop?" + kDefaults},
           {"postgresql://[::1?]/shop", "postgresql://[::1?]/shop?" + kDefaults},
           // An empty query, or one ending in '&', takes the option without another separator.
           {"postgresql://db/shop?", "postgresql://db/shop?" + kDefaults},
           {"postgresql://db/shop?sslmode=require&",
            "postgresql://db/shop?sslmode=require&" + kDefaults},
           {"postgresql://db/shop?application_name=a?b",
            "postgresql://db/shop?application_name=a?b&" + kDefaults},
           {"postgres://db:5432?sslmode=require",
            "postgres://db:5432?sslmode=require&" + kDefaults},
           {"host=db dbname=shop", kDefaultsKeywords + " host=db dbname=shop"},
       }) {
    EXPECT_EQ(mm::postgres::connection_string(c.url), c.expected);
  }
}

TEST(PostgresUrl, ADefaultTheUrlSetsIsLeftAsItIs) {
  EXPECT_EQ(mm::postgres::connection_string("postgresql://db/shop?keepalives_idle=5"),
            "postgresql://db/shop?keepalives_idle=5&connect_timeout=5&keepalives_interval=10&"
            "keepalives_count=3&tcp_user_timeout=60000");
  EXPECT_EQ(mm::postgres::connection_string("connect_timeout=9 host=db"),
            "keepalives_idle=30 keepalives_interval=10 keepalives_count=3 tcp_user_timeout=60000 "
            "connect_timeout=9 host=db");
}

// libpq takes an empty number when parsing and refuses it only when connecting; a fuzzer found
// that the URL form then silently got massmigration's default and the keyword form did not.
TEST(PostgresUrl, AnEmptyValueForAnOptionMassmigrationSetsIsRefusedAtOnce) {
  EXPECT_EQ(
      refusal([] { mm::postgres::connection_string("postgresql://db/shop?keepalives_idle="); }),
      "\"postgresql://db/shop?keepalives_idle=\" is not a valid PostgreSQL URL: "
      "keepalives_idle is empty; give a number or leave it out");
  EXPECT_EQ(refusal([] { mm::postgres::connection_string("host=db connect_timeout=''"); }),
            "\"host=db connect_timeout=''\" is not a valid PostgreSQL URL: connect_timeout is "
            "empty; give a number or leave it out");
  const mm::DatabaseTarget target{"default", "postgresql://db/shop?tcp_user_timeout=", "/app"};
  EXPECT_THROW(mm::find_database_driver("postgresql")->validate(target), std::invalid_argument);
}

TEST(PostgresUrl, RecordTimeoutIsTakenFromTheQueryOnlyNotFromAPassword) {
  // libpq would refuse record_timeout: it is removed, from the query libpq reads and only there.
  EXPECT_EQ(mm::postgres::connection_string("postgresql://u:pa?ss@h/db?record_timeout=2"),
            "postgresql://u:pa?ss@h/db?" + kDefaults);
  EXPECT_EQ(mm::postgres::connection_string(
                "postgresql://u:pa?ss@h/db?sslmode=disable&record_timeout=2&application_name=a"),
            "postgresql://u:pa?ss@h/db?sslmode=disable&application_name=a&" + kDefaults);
  // A password that looks like the option stays the password.
  EXPECT_EQ(mm::postgres::connection_string("postgresql://u:p?&record_timeout=2&x@h/db"),
            "postgresql://u:p?&record_timeout=2&x@h/db?" + kDefaults);
}

// Refusals name the URL, to find the typo, and end up in logs: never with its password.
TEST(PostgresUrl, ARefusalNamesTheUrlWithItsPasswordHidden) {
  EXPECT_EQ(refusal([] { mm::postgres::connection_string("postgresql://shop:s3cret@db:5x/shop"); }),
            "\"postgresql://shop:***@db:5x/shop\" is not a valid PostgreSQL URL: port \"5x\" "
            "is not a number from 1 to 65535");
  EXPECT_EQ(refusal([] {
              mm::postgres::connection_string("postgresql://u:pa:ss@db:0/shop?sslmode=disable");
            }),
            "\"postgresql://u:***@db:0/shop?sslmode=disable\" is not a valid PostgreSQL URL: port "
            "\"0\" is not a "
            "number from 1 to 65535");
  const std::string in_query = refusal(
      [] { mm::postgres::connection_string("postgresql://db/shop?password=s3cret&port=x"); });
  EXPECT_EQ(in_query.find("s3cret"), std::string::npos) << in_query;
  EXPECT_NE(in_query.find("?password=***&port=x"), std::string::npos) << in_query;
  for (const char* keywords :
       {"host=db password=s3cret port=x", "host=db password = 's3 cret' port=x",
        "password=s3cret host=db nonsense"}) {
    const std::string message = refusal([&] { mm::postgres::connection_string(keywords); });
    EXPECT_EQ(message.find("s3"), std::string::npos) << message;
    EXPECT_NE(message.find("password"), std::string::npos) << message;
  }
}

}  // namespace
