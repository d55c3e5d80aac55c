#include "app.h"

#include <massmigration/httplib.h>
#include <massmigration/massmigration.h>

#include <cstdio>

namespace mm = massmigration;

namespace shop {
namespace {

// The application's own data access, through massmigration's SQL session for the alias's
// database, so that the same code runs on SQLite and on PostgreSQL.
std::vector<mm::SqlRow> query(const std::string& alias, const char* sql) {
  mm::Config config = mm::current_config();
  const std::string& url = config.databases.at(alias);
  std::shared_ptr<const mm::DatabaseDriver> driver = mm::find_database_driver(mm::url_scheme(url));
  std::unique_ptr<mm::SqlSession> session =
      driver->begin_session({.alias = alias, .url = url, .base_directory = config.base_directory});
  return session->query(sql, {});  // read only: the transaction just ends
}

std::vector<std::string> list_products_unguarded() {
  std::vector<std::string> lines;
  for (const mm::SqlRow& row :
       query("shop_db", "SELECT slug, price_cents FROM product ORDER BY id")) {
    char price[32];
    std::snprintf(price, sizeof price, "%.2f", std::get<std::int64_t>(row[1]) / 100.0);
    lines.push_back(std::get<std::string>(row[0]) + ": " + price);
  }
  return lines;
}

std::vector<std::string> list_posts_unguarded() {
  std::vector<std::string> titles;
  for (const mm::SqlRow& row : query("blog_db", "SELECT title FROM post ORDER BY id")) {
    titles.push_back(std::get<std::string>(row[0]));
  }
  return titles;
}

// Guards live at namespace scope: they exist before main(), so `shop-manage check` sees them.
auto guarded_products = mm::requires_migration(
    "shop:0002_backfill_slugs", {.name = "shop::list_products"})(list_products_unguarded);
auto guarded_posts = mm::requires_migration("blog:0002_title_case",
                                            {.name = "shop::list_posts"})(list_posts_unguarded);
auto products_view =
    mm::view_requires_migration("shop:0002_backfill_slugs", {.name = "GET /products"});

}  // namespace

std::vector<std::string> list_products() { return guarded_products(); }
std::vector<std::string> list_posts() { return guarded_posts(); }

void add_routes(httplib::Server& server) {
  server.Get("/products", products_view([](const httplib::Request&, httplib::Response& res) {
               std::string body;
               for (const std::string& line : list_products_unguarded()) body += line + "\n";
               res.set_content(body, "text/plain");
             }));
}

}  // namespace shop
