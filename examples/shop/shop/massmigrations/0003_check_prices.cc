// shop:0003_check_prices: fails on purpose when SHOP_FAIL_PRICE_CHECK=1, to show a failure.
#include <massmigration/massmigration.h>

#include <cstdlib>
#include <stdexcept>

namespace mm = massmigration;

namespace {

class CheckPrices : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Flag products without a price."; }
  std::vector<mm::MigrationKey> dependencies() const override {
    return {{"shop", "0002_backfill_slugs"}};
  }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("ALTER TABLE product ADD COLUMN needs_price INTEGER NOT NULL DEFAULT 0");
    ctx.execute("UPDATE product SET needs_price = 1 WHERE price_cents <= 0");
    const char* fail = std::getenv("SHOP_FAIL_PRICE_CHECK");
    if (fail && std::string(fail) == "1") {
      throw std::runtime_error("price check failed on purpose (SHOP_FAIL_PRICE_CHECK=1)");
    }
  }
};

}  // namespace

MASSMIGRATION_REGISTER(CheckPrices, "shop", "0003_check_prices");
