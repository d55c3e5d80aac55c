#include <massmigration/massmigration.h>

#include <iostream>

namespace mm = massmigration;

// 1. Define the migration: what your code needs done to the data first.
class BackfillSlugs : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Fill product.slug from name."; }
  void operation(mm::OperationContext& ctx) override {
    // UPDATE product SET slug = ... on the database ctx.alias() names.
  }
};

// 2. Register it under its key, "shop:0001_backfill_slugs".
MASSMIGRATION_REGISTER(BackfillSlugs, "shop", "0001_backfill_slugs");

// 3. Guard the code that relies on it: same signature, refused until applied.
std::string product_path(const std::string& slug) { return "/products/" + slug; }
auto guarded_product_path = mm::requires_migration("shop:0001_backfill_slugs")(product_path);

int main(int argc, char** argv) {
  mm::Config config;
  config.databases["default"] = std::string("sqlite://") + (argc > 1 ? argv[1] : "/tmp/shop.db");
  mm::configure(config);
  std::vector<mm::CheckProblem> problems = mm::check();  // misconfigured guards, before traffic
  for (const mm::CheckProblem& problem : problems) {
    std::cerr << problem.where << ": " << problem.message << "\n";
  }
  if (!problems.empty()) return 1;

  try {
    guarded_product_path("blue-mug");
  } catch (const mm::RequiredMigrationNotApplied& e) {
    std::cout << "refused: " << e.what() << "\n";
  }

  // 4. Run it. The default "inline" backend has finished it when this returns; the change and
  //    its APPLIED record commit together. (`fake_migration` records it without running.)
  mm::api::initiate_migration("shop:0001_backfill_slugs", "default");
  std::cout << "allowed: " << guarded_product_path("blue-mug") << "\n";
}
