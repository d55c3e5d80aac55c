// PostgreSQL URLs, through the registered driver's validate() and connection_string(): every
// refusal is std::invalid_argument; an accepted URL gives a connection string that libpq
// parses too, that keeps every parameter the URL gave, that has a connect_timeout, and that
// gives itself back when passed again. Nothing connects (PQconninfoParse only parses).
#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "massmigration/postgres.h"
#include "massmigration/record_store.h"

namespace mm = massmigration;

namespace {

// The parameters libpq reads from `conninfo`, or nullopt when it refuses it.
std::optional<std::map<std::string, std::string>> libpq_parameters(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);
  if (!options) return std::nullopt;
  std::map<std::string, std::string> parameters;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (option->val) parameters[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return parameters;
}

void check_connection_string(const std::string& url, const std::string& conninfo) {
  std::optional<std::map<std::string, std::string>> given = libpq_parameters(url);
  std::optional<std::map<std::string, std::string>> used = libpq_parameters(conninfo);
  FUZZ_CHECK(given && used, url);
  FUZZ_CHECK(used->contains("connect_timeout") && !used->at("connect_timeout").empty(), url);
  for (const auto& [keyword, value] : *given) {
    FUZZ_CHECK(used->contains(keyword) && used->at(keyword) == value, url);
  }
  FUZZ_CHECK(mm::postgres::connection_string(conninfo) == conninfo, url);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url(reinterpret_cast<const char*>(data), size);
  if (!url.starts_with("postgresql:") && !url.starts_with("postgres:")) {
    url.insert(0, "postgresql://");
  }
  // record_timeout is massmigration's own query option, read and removed before libpq sees
  // the URL, and libpq would refuse it: the properties below compare with libpq alone.
  // tests/database_url_test.cc covers that option.
  if (url.find("record_timeout") != std::string::npos) return 0;
  const mm::DatabaseTarget target{"default", url, "/fuzz-base/app"};
  bool valid = true;
  try {
    mm::find_database_driver(url.starts_with("postgres:") ? "postgres" : "postgresql")
        ->validate(target);
  } catch (const std::invalid_argument&) {
    valid = false;
  }
  std::string conninfo;
  try {
    conninfo = mm::postgres::connection_string(url);
    FUZZ_CHECK(valid, url);
  } catch (const std::invalid_argument& e) {
    FUZZ_CHECK(!valid, url);
    FUZZ_CHECK(*e.what() != '\0', url);
    return 0;
  }
  FUZZ_CHECK(url.find('\0') == std::string::npos, url);
  check_connection_string(url, conninfo);
  return 0;
}
