// Uses the core, the SQLite store (registered only by linking) and the httplib adapter; its
// migration comes from the OBJECT library.
#include <massmigration/httplib.h>
#include <massmigration/massmigration.h>

#include <iostream>

namespace mm = massmigration;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  mm::Config config;
  config.databases["default"] = std::string("sqlite://") + argv[1];
  mm::configure(config);
  if (!mm::check().empty()) return 3;
  auto guarded = mm::requires_migration("shop:0001_initial")([] { return 7; });
  auto handler = mm::view_requires_migration("shop:0001_initial")(
      [](const httplib::Request&, httplib::Response&) {});
  (void)handler;
  try {
    guarded();
    return 1;
  } catch (const mm::RequiredMigrationNotApplied&) {
  }
  mm::api::fake_migration("shop:0001_initial", "default");
  std::cout << "consumer ok " << guarded() << "\n";
  return 0;
}
