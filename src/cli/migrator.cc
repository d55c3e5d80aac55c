// The interactive menu; --auto runs migrate_all without asking.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "context.h"
#include "massmigration/config.h"

namespace massmigration::cli::internal {
namespace {

void print_menu(Context& ctx) {
  ctx.out << "\nmassmigration migrator\n"
             "  1) Migrate all databases\n"
             "  2) Migrate one database\n"
             "  3) Show status\n"
             "  4) Show configuration\n"
             "  5) Exit\n"
             "Choose [1-5]: ";
  ctx.out.flush();
}

// "scheme://user:secret@host" shows as "scheme://user:***@host".
std::string without_password(const std::string& url) {
  const size_t authority = url.find("://");
  if (authority == std::string::npos) return url;
  const size_t at = url.find('@', authority + 3);
  const size_t colon = url.find(':', authority + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

void print_configuration(Context& ctx) {
  Config config = current_config();
  ctx.out << "Databases:\n";
  for (const auto& [alias, url] : config.databases)
    ctx.out << "  " << alias << " = " << without_password(url) << "\n";
  ctx.out << "Routing:\n";
  if (config.routing.empty()) ctx.out << "  (none: every app may run everywhere it is allowed)\n";
  for (const auto& [app, alias] : config.routing) ctx.out << "  " << app << " -> " << alias << "\n";
  ctx.out << "Default backend: " << config.default_backend << "\n";
}

bool read_line(Context& ctx, std::string& line) {
  if (!std::getline(ctx.in, line)) return false;
  line = std::string(absl::StripAsciiWhitespace(line));
  return true;
}

}  // namespace

int migrator(Context& ctx, const std::vector<std::string>& args) {
  Args parsed(args, {"database", "app"}, {"auto"});
  parsed.expect_positional({});
  const MigrateOptions everything{.database = parsed.option("database"),
                                  .app = parsed.option("app")};
  selected_aliases(everything.database);  // bad filters are refused before the menu
  if (everything.app) selected_migrations(everything.app);
  if (parsed.flag("auto")) return migrate(ctx, everything);

  int worst = kOk;
  for (;;) {
    print_menu(ctx);
    std::string choice;
    if (!read_line(ctx, choice)) {
      ctx.out << "\n";
      return worst;
    }
    if (choice == "1") {
      worst = std::max(worst, migrate(ctx, everything));
    } else if (choice == "2") {
      std::vector<std::string> aliases = selected_aliases(everything.database);
      ctx.out << "Database (" << absl::StrJoin(aliases, ", ") << "): ";
      ctx.out.flush();
      std::string alias;
      if (!read_line(ctx, alias)) return worst;
      if (std::find(aliases.begin(), aliases.end(), alias) == aliases.end()) {
        ctx.out << "No database \"" << alias << "\".\n";
        continue;
      }
      MigrateOptions one = everything;
      one.database = alias;
      worst = std::max(worst, migrate(ctx, one));
    } else if (choice == "3") {
      print_status_table(ctx, everything.database, everything.app);
    } else if (choice == "4") {
      print_configuration(ctx);
    } else if (choice == "5" || choice == "q" || choice == "exit") {
      return worst;
    } else {
      ctx.out << "Please choose 1-5.\n";
    }
  }
}

}  // namespace massmigration::cli::internal
