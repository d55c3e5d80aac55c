#include "massmigration/postgres.h"
#include "pg_session.h"
#include "pg_url_options.h"

namespace massmigration::postgres {
namespace {

class PostgresDriver : public DatabaseDriver {
 public:
  void validate(const DatabaseTarget& target) const override {
    connection_string(target.url);
    internal::record_timeout(target.url);
  }
  std::unique_ptr<RecordStore> open_record_store(const DatabaseTarget& target) const override {
    return postgres::open_record_store(target.alias, target.url);
  }
  std::unique_ptr<RunSession> begin_session(const DatabaseTarget& target) const override {
    return internal::begin_session(target.alias, target.url, /*durable=*/true);
  }
  std::unique_ptr<RunSession> begin_chunk_session(const DatabaseTarget& target) const override {
    return internal::begin_session(target.alias, target.url, /*durable=*/false);
  }
  bool runs_sql() const override { return true; }
  bool supports_concurrent_writers() const override { return true; }
};

}  // namespace

std::shared_ptr<const DatabaseDriver> driver() {
  static const auto* d =
      new std::shared_ptr<const DatabaseDriver>(std::make_shared<PostgresDriver>());
  return *d;
}

namespace {
[[maybe_unused]] const bool kRegistered = [] {
  register_database_driver("postgresql", driver());
  register_database_driver("postgres", driver());
  return true;
}();
}  // namespace

}  // namespace massmigration::postgres

// The build adds -Wl,--undefined for this symbol to everything linking massmigration::postgres,
// so the archive member holding the registration above is always linked in.
extern "C" void massmigration_postgres_driver_anchor() {}
