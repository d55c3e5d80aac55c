// shop:0002_backfill_slugs
#include <massmigration/massmigration.h>

#include <cctype>

namespace mm = massmigration;

namespace {

class BackfillSlugs : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Fill product.slug from name."; }
  std::vector<mm::MigrationKey> dependencies() const override {
    return {{"shop", "0001_create_products"}};
  }
  void operation(mm::OperationContext& ctx) override {
    for (const mm::SqlRow& row : ctx.query("SELECT id, name FROM product WHERE slug IS NULL")) {
      std::string slug = std::get<std::string>(row[1]);
      for (char& c : slug) {
        c = c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      ctx.execute("UPDATE product SET slug = $1 WHERE id = $2", slug, row[0]);
    }
  }
};

}  // namespace

MASSMIGRATION_REGISTER(BackfillSlugs, "shop", "0002_backfill_slugs");
