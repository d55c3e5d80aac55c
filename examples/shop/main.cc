// shop-manage: the shop example's management program. The migrations under
// */massmigrations/ register themselves; this adds commands that call the guarded code.
#include <massmigration/cli.h>
#include <massmigration/massmigration.h>

#include <iostream>
#include <thread>

#include "app.h"

namespace mm = massmigration;

namespace {

// Prints lines from a guarded function, or why it was refused (exit status 1).
template <typename Fn>
int print_guarded(Fn fn, std::ostream& out, std::ostream& err) {
  try {
    for (const std::string& line : fn()) out << line << "\n";
    return 0;
  } catch (const mm::RequiredMigrationNotApplied& e) {
    err << "refused: " << e.what() << "\n";
    return 1;
  }
}

// Serves GET /products on an OS-chosen loopback port, asks it once, prints the answer.
int http_demo(std::ostream& out) {
  httplib::Server server;
  shop::add_routes(server);
  int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return 1;
  std::thread serving([&] { server.listen_after_bind(); });
  httplib::Client client("127.0.0.1", port);
  httplib::Result res = client.Get("/products");
  server.stop();
  serving.join();
  if (!res) return 1;
  out << "GET /products -> " << res->status << "\n" << res->body;
  if (res->body.empty() || res->body.back() != '\n') out << "\n";
  return res->status == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  mm::cli::Options options;
  options.commands.push_back(
      {"products", "list the products (guarded: needs shop:0002_backfill_slugs)",
       [](const std::vector<std::string>&, std::ostream& out, std::ostream& err) {
         return print_guarded(shop::list_products, out, err);
       }});
  options.commands.push_back(
      {"posts", "list the blog posts (guarded: needs blog:0002_title_case)",
       [](const std::vector<std::string>&, std::ostream& out, std::ostream& err) {
         return print_guarded(shop::list_posts, out, err);
       }});
  options.commands.push_back(
      {"http-demo", "serve GET /products (guarded handler) once on loopback and print the answer",
       [](const std::vector<std::string>&, std::ostream& out, std::ostream&) {
         return http_demo(out);
       }});
  return mm::cli::main(argc, argv, options);
}
