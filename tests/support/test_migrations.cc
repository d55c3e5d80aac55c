#include "test_migrations.h"

#include "massmigration/massmigration.h"

namespace mm = massmigration;

namespace {

class Initial : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Create the first products."; }
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Initial, "shop", "0001_initial");

class BackfillSlugs : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Fill product.slug from name."; }
  std::vector<mm::MigrationKey> dependencies() const override { return {{"shop", "0001_initial"}}; }
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default", "shop_db"}};
  }
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(BackfillSlugs, "shop", "0002_backfill_slugs");

class BlogTitles : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(BlogTitles, "blog", "0001_titles");

class Reindex : public mm::MapperMigration {
 public:
  mm::MapperQuery query(const std::string&) const override { return {.table = "account"}; }
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default"}};
  }
};
MASSMIGRATION_REGISTER(Reindex, "accounts", "0001_reindex");

class Export : public mm::CustomMigration {
 public:
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default"}};
  }
  std::string backend_method() const override { return "export_accounts"; }
};
MASSMIGRATION_REGISTER(Export, "accounts", "0002_export");

}  // namespace
