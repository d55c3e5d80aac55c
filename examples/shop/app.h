// The shop example's application code: functions and an HTTP handler that must not run before
// the migrations they rely on are applied.
#ifndef MASSMIGRATION_EXAMPLES_SHOP_APP_H_
#define MASSMIGRATION_EXAMPLES_SHOP_APP_H_

#include <httplib.h>

#include <string>
#include <vector>

namespace shop {

// "slug: price" of every product; needs shop:0002_backfill_slugs (guarded).
std::vector<std::string> list_products();
// Every post title; needs blog:0002_title_case (guarded).
std::vector<std::string> list_posts();
// GET /products, guarded the same way as list_products: 503 until the slugs are there.
void add_routes(httplib::Server& server);

}  // namespace shop

#endif  // MASSMIGRATION_EXAMPLES_SHOP_APP_H_
