#include "app.h"

#include <massmigration/httplib.h>
#include <massmigration/massmigration.h>
#include <massmigration/sqlite.h>
#include <sqlite3.h>

#include <stdexcept>

namespace mm = massmigration;

namespace shop {
namespace {

// The application's own data access: plain SQLite on the file configured for `alias`.
std::vector<std::string> query_strings(const std::string& alias, const char* sql) {
  mm::Config config = mm::current_config();
  mm::sqlite::Location where = mm::sqlite::parse_url(
      {.alias = alias, .url = config.databases.at(alias), .base_directory = config.base_directory});
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(where.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + where.path.string());
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::vector<std::string> list_products_unguarded() {
  return query_strings("shop_db",
                       "SELECT slug || ': ' || printf('%.2f', price_cents / 100.0) FROM product "
                       "ORDER BY id");
}

std::vector<std::string> list_posts_unguarded() {
  return query_strings("blog_db", "SELECT title FROM post ORDER BY id");
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
