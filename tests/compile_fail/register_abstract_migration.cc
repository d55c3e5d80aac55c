// MASSMIGRATION_REGISTER of a migration that does not override operation().
// expect: Class is abstract
#include <massmigration/massmigration.h>

namespace mm = massmigration;

class Backfill : public mm::SimpleMigration {
 public:
#ifdef MASSMIGRATION_WRONG_SPELLING
  void operation(mm::OperationContext&) const {}
#else
  void operation(mm::OperationContext&) override {}
#endif
};
MASSMIGRATION_REGISTER(Backfill, "shop", "0001_backfill");
