#include "file_access.h"
#include "massmigration/sqlite.h"
#include "sqlite_session.h"

namespace massmigration::sqlite {
namespace {

class SqliteDriver : public DatabaseDriver {
 public:
  void validate(const DatabaseTarget& target) const override { parse_url(target); }
  std::optional<std::string> problem(const DatabaseTarget& target) const override {
    const Location location = parse_url(target);
    std::optional<std::string> problem = internal::file_access_problem(location.path);
    if (!problem) return std::nullopt;
    return "cannot use " + location.path.string() + ": " + *problem;
  }
  std::unique_ptr<RecordStore> open_record_store(const DatabaseTarget& target) const override {
    return sqlite::open_record_store(target.alias, parse_url(target));
  }
  std::unique_ptr<RunSession> begin_session(const DatabaseTarget& target) const override {
    return internal::begin_session(target.alias, parse_url(target), /*durable=*/true);
  }
  std::unique_ptr<RunSession> begin_chunk_session(const DatabaseTarget& target) const override {
    return internal::begin_session(target.alias, parse_url(target), /*durable=*/false);
  }
  bool runs_sql() const override { return true; }
};

}  // namespace

std::shared_ptr<const DatabaseDriver> driver() {
  static const auto* d =
      new std::shared_ptr<const DatabaseDriver>(std::make_shared<SqliteDriver>());
  return *d;
}

namespace {
[[maybe_unused]] const bool kRegistered = (register_database_driver("sqlite", driver()), true);
}  // namespace

}  // namespace massmigration::sqlite

// The build adds -Wl,--undefined for this symbol to everything linking massmigration, so the
// archive member holding the registration above is always linked in.
extern "C" void massmigration_sqlite_driver_anchor() {}
