// MASSMIGRATION_REGISTER of a class that is not a migration.
// expect: Class must derive from massmigration::SimpleMigration, MapperMigration or CustomMigration
#include <massmigration/massmigration.h>

namespace mm = massmigration;

#ifdef MASSMIGRATION_WRONG_SPELLING
class Backfill {
 public:
  void operation(mm::OperationContext&) {}
};
#else
class Backfill : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext&) override {}
};
#endif
MASSMIGRATION_REGISTER(Backfill, "shop", "0001_backfill");
