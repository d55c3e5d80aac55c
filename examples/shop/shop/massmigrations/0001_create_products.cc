// shop:0001_create_products
#include <massmigration/massmigration.h>

namespace mm = massmigration;

namespace {

class CreateProducts : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Create the product table with samples."; }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute(
        "CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT,"
        "                      price_cents INTEGER NOT NULL);"
        "INSERT INTO product (id, name, price_cents) VALUES"
        "  (1, 'Blue Mug', 1200), (2, 'Red Pen', 250), (3, 'Tea Pot', 3400);");
  }
};

}  // namespace

MASSMIGRATION_REGISTER(CreateProducts, "shop", "0001_create_products");
