// shop:0004_seed_orders: 100 000 orders to give the mapper below something to chew on.
#include <massmigration/massmigration.h>

namespace mm = massmigration;

namespace {

class SeedOrders : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Create the orders table: 100 000 rows."; }
  std::vector<mm::MigrationKey> dependencies() const override {
    return {{"shop", "0001_create_products"}};
  }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL,"
        "                     total_cents INTEGER NOT NULL, tax_cents INTEGER)");
    ctx.execute(
        "INSERT INTO orders (id, product_id, total_cents) "
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 100000) "
        "SELECT n, 1 + n % 3, 100 + (n * 37) % 9900 FROM seq");
  }
};

}  // namespace

MASSMIGRATION_REGISTER(SeedOrders, "shop", "0004_seed_orders");
