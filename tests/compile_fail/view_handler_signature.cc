// view_requires_migration around a handler httplib could not call.
// expect: handler must be callable as handler(const httplib::Request& req, httplib::Response& res)
#include <massmigration/httplib.h>

namespace mm = massmigration;

void serve(httplib::Server& server) {
#ifdef MASSMIGRATION_WRONG_SPELLING
  auto handler = [](httplib::Response& res) { res.set_content("ok", "text/plain"); };
#else
  auto handler = [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  };
#endif
  server.Get("/products", mm::view_requires_migration("shop:0001_backfill")(handler));
}
