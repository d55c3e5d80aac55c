// shop:0005_order_tax: a mapper. Every order without tax gets 20% of its total, 5000 orders a
// transaction, set-based per chunk; an interrupted run resumes after its last chunk.
#include <massmigration/massmigration.h>

namespace mm = massmigration;

namespace {

class OrderTax : public mm::MapperMigration {
 public:
  std::string description() const override { return "Fill orders.tax_cents (20%)."; }
  std::vector<mm::MigrationKey> dependencies() const override {
    return {{"shop", "0004_seed_orders"}};
  }
  mm::BackendParams backend_params() const override { return {{"chunk_size", "5000"}}; }
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "orders", .primary_key = "id", .filter = "tax_cents IS NULL"};
  }
  // One UPDATE per chunk: the rows are a contiguous key range of the selection.
  void batch_operation(const std::vector<mm::MapperRow>& rows, mm::OperationContext& ctx) override {
    ctx.execute(
        "UPDATE orders SET tax_cents = total_cents / 5 "
        "WHERE id >= $1 AND id <= $2 AND tax_cents IS NULL",
        rows.front().key(), rows.back().key());
  }
};

}  // namespace

MASSMIGRATION_REGISTER(OrderTax, "shop", "0005_order_tax");
