// shop:0001_initial, shared by app, manage and app_test through the OBJECT library.
#include <massmigration/massmigration.h>

namespace mm = massmigration;

namespace {

class Initial : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Nothing; proves registration links."; }
  void operation(mm::OperationContext&) override {}
};

}  // namespace

MASSMIGRATION_REGISTER(Initial, "shop", "0001_initial");
