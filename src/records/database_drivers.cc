#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "massmigration/errors.h"
#include "massmigration/record_store.h"
#include "mutex.h"

namespace massmigration {
namespace {

struct DriverTable {
  Mutex mu;
  std::map<std::string, std::shared_ptr<const DatabaseDriver>, std::less<>> by_scheme
      ABSL_GUARDED_BY(mu);
};

DriverTable& drivers() {
  static DriverTable* table = new DriverTable;  // used from static initialisers; never destroyed
  return *table;
}

}  // namespace

std::optional<std::string> DatabaseDriver::problem(const DatabaseTarget&) const {
  return std::nullopt;
}

std::unique_ptr<RunSession> DatabaseDriver::begin_session(const DatabaseTarget& target) const {
  throw DatabaseError(target.alias, "this database's driver does not run SQL");
}

void register_database_driver(std::string scheme, std::shared_ptr<const DatabaseDriver> driver) {
  DriverTable& table = drivers();
  MutexLock lock(&table.mu);
  table.by_scheme[std::move(scheme)] = std::move(driver);
}

std::shared_ptr<const DatabaseDriver> find_database_driver(std::string_view scheme) {
  DriverTable& table = drivers();
  MutexLock lock(&table.mu);
  auto it = table.by_scheme.find(scheme);
  return it == table.by_scheme.end() ? nullptr : it->second;
}

std::string_view url_scheme(std::string_view url) {
  // RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  size_t colon = url.find(':');
  if (colon == 0 || colon == std::string_view::npos) return {};
  std::string_view scheme = url.substr(0, colon);
  if (!absl::ascii_isalpha(static_cast<unsigned char>(scheme.front()))) return {};
  for (char c : scheme) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return {};
    }
  }
  return scheme;
}

}  // namespace massmigration
