// SQLite URLs, through the registered driver's validate() and parse_url(): every refusal is
// std::invalid_argument; an accepted URL names an absolute, normal path to a file (not a
// directory, not ":memory:", no NUL that would cut the name short when it is opened), with a
// busy timeout SQLite can take, and the canonical URL of that location parses back to it.
// Nothing is opened.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "massmigration/record_store.h"
#include "massmigration/sqlite.h"

namespace mm = massmigration;

namespace {

std::string canonical_url(const mm::sqlite::Location& location) {
  return "sqlite://" + location.path.string() +
         "?busy_timeout_ms=" + std::to_string(location.busy_timeout.count());
}

void check_location(const mm::sqlite::Location& location, std::string_view url) {
  const std::string& path = location.path.native();
  FUZZ_CHECK(location.path.is_absolute(), url);
  FUZZ_CHECK(location.path == location.path.lexically_normal(), url);
  FUZZ_CHECK(!location.path.filename().empty(), url);
  FUZZ_CHECK(location.path.filename() != "." && location.path.filename() != "..", url);
  FUZZ_CHECK(location.path.filename() != ":memory:", url);
  FUZZ_CHECK(path.find('\0') == std::string::npos, url);
  FUZZ_CHECK(location.busy_timeout.count() >= 0 && location.busy_timeout.count() <= INT_MAX, url);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url(reinterpret_cast<const char*>(data), size);
  if (!url.starts_with("sqlite:")) url.insert(0, "sqlite:");
  const mm::DatabaseTarget target{"default", url, "/fuzz-base/app"};
  bool valid = true;
  try {
    mm::find_database_driver("sqlite")->validate(target);
  } catch (const std::invalid_argument&) {
    valid = false;
  }
  mm::sqlite::Location location;
  try {
    location = mm::sqlite::parse_url(target);
    FUZZ_CHECK(valid, url);
  } catch (const std::invalid_argument& e) {
    FUZZ_CHECK(!valid, url);
    FUZZ_CHECK(*e.what() != '\0', url);
    return 0;
  }
  check_location(location, url);
  const std::string canonical = canonical_url(location);
  mm::sqlite::Location again = mm::sqlite::parse_url({"default", canonical, "/elsewhere"});
  FUZZ_CHECK(again.path == location.path && again.busy_timeout == location.busy_timeout, url);
  return 0;
}
