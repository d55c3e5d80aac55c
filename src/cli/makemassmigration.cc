// makemassmigration APP NAME [--template simple|mapper|custom]: writes
// APP/massmigrations/NNNN_NAME.cc with the next number and a dependency on the previous one.
#include <filesystem>
#include <fstream>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "context.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "string_building.h"

namespace massmigration::cli::internal {
namespace {

std::string class_name(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? absl::ascii_toupper(static_cast<unsigned char>(c)) : c;
    upper = false;
  }
  if (out.empty() || absl::ascii_isdigit(static_cast<unsigned char>(out[0]))) {
    out = "Migration" + out;
  }
  return out;
}

std::string render(const std::string& tmpl, const std::string& app, const std::string& id,
                   const std::string& cls, const std::optional<std::string>& previous) {
  std::string dependencies =
      previous ? strings::cat(
                     "  std::vector<mm::MigrationKey> dependencies() const override {\n"
                     "    return {{\"",
                     app, "\", \"", *previous, "\"}};\n  }\n")
               : std::string();
  std::string head = strings::cat("// ", app, ":", id,
                                  "\n#include <massmigration/massmigration.h>\n\n"
                                  "namespace mm = massmigration;\n\nnamespace {\n\n");
  std::string tail = strings::cat("};\n\n}  // namespace\n\nMASSMIGRATION_REGISTER(", cls, ", \"",
                                  app, "\", \"", id, "\");\n");
  std::string description =
      "  std::string description() const override { return \"TODO: what this changes.\"; }\n";
  if (tmpl == "mapper") {
    return strings::cat(
        head, "// Runs over every row its query selects, a chunk per transaction.\n", "class ", cls,
        " : public mm::MapperMigration {\n public:\n", description, dependencies,
        "  mm::BackendParams backend_params() const override { return {{\"chunk_size\", "
        "\"1000\"}}; }\n"
        "  mm::MapperQuery query(const std::string& /*alias*/) const override {\n"
        "    return {.table = \"TODO_table\", .primary_key = \"id\", .columns = {},\n"
        "            .filter = \"\", .filter_params = {}};\n  }\n"
        "  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {\n"
        "    // ctx.send(\"UPDATE TODO_table SET ... WHERE id = $1\", row.key());\n"
        "    (void)row;\n    (void)ctx;\n  }\n",
        tail);
  }
  if (tmpl == "custom") {
    return strings::cat(
        head, "// Run by its backend's method.\n", "class ", cls,
        " : public mm::CustomMigration {\n public:\n", description, dependencies,
        "  std::optional<std::string> backend() const override { return \"TODO_backend\"; }\n",
        "  std::string backend_method() const override { return \"TODO_method\"; }\n", tail);
  }
  return strings::cat(
      head, "class ", cls, " : public mm::SimpleMigration {\n public:\n", description, dependencies,
      "  void operation([[maybe_unused]] mm::OperationContext& ctx) override {\n"
      "    // ctx.execute(\"UPDATE product SET slug = $1 WHERE id = $2\", slug, id);\n  }\n",
      tail);
}

// The longest file name most file systems take (NAME_MAX on Linux), and the most a number
// prefix ("99999_") and ".cc" add to the name.
constexpr size_t kMaxFileName = 255;
constexpr size_t kMaxName = kMaxFileName - std::string_view("99999_.cc").size();

// Refuses, before anything is written, names that would be misread or could not be a file.
void check_name(const std::string& name) {
  if (migration_id_problem("1_" + name)) {
    throw UsageError(
        strings::cat("bad migration name \"", name, "\": use lowercase letters, digits and _"));
  }
  if (absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) {
    static const std::regex kNumbered(R"(^\d+_([a-z][a-z0-9_]*)$)");
    std::smatch numbered;
    const std::string example =
        std::regex_match(name, numbered, kNumbered) ? numbered[1].str() : "add_stock";
    throw UsageError(strings::cat("bad migration name \"", name,
                                  "\": the number is assigned automatically, so a name starts "
                                  "with a letter (write \"",
                                  example, "\")"));
  }
  if (name.size() > kMaxName) {
    throw UsageError(strings::cat("bad migration name: ", name.size(),
                                  " characters are too many for a file name; use at most ",
                                  kMaxName));
  }
}

}  // namespace

int makemassmigration(Context& ctx, const std::vector<std::string>& args) {
  Args parsed(args, {"template"}, {});
  parsed.expect_positional({"APP", "NAME"});
  const std::string& app = parsed.positional()[0];
  const std::string& name = parsed.positional()[1];
  const std::string tmpl = parsed.option("template").value_or("simple");
  if (tmpl != "simple" && tmpl != "mapper" && tmpl != "custom") {
    throw UsageError(strings::cat("unknown template \"", tmpl, "\" (simple, mapper or custom)"));
  }
  if (auto problem = app_label_problem(app)) throw UsageError(*problem);
  check_name(name);

  // The highest number so far, among registered migrations and files already written; and no
  // second migration of the same name.
  int last = 0;
  std::optional<std::string> previous;
  auto consider = [&](int number, const std::string& id) {
    if (id.substr(id.find('_') + 1) == name) {
      throw UsageError(
          strings::cat("app ", app, " already has a migration named ", name, " (", id, ")"));
    }
    if (number > last || (number == last && previous && id > *previous)) {
      last = number;
      previous = id;
    }
  };
  for (const Migration* m : get_all_migrations()) {
    if (m->key().app_label() == app) consider(m->key().number(), m->key().migration_id());
  }
  const std::filesystem::path directory = std::filesystem::path(app) / "massmigrations";
  static const std::regex kFile(R"(^(\d{1,5})_[a-z0-9_]+\.cc$)");
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ignored)) {
    std::string file = entry.path().filename().string();
    std::smatch match;
    if (std::regex_match(file, match, kFile)) {
      consider(std::stoi(match[1]), entry.path().stem().string());
    }
  }
  if (last >= 99999) throw UsageError("migration numbers are used up (99999)");
  const std::string id = absl::StrFormat("%04d_%s", last + 1, name);
  const std::filesystem::path path = directory / (id + ".cc");
  if (std::filesystem::exists(path)) {
    throw UsageError(strings::cat(path.string(), " already exists"));
  }
  std::filesystem::create_directories(directory);
  std::ofstream file(path);
  file << render(tmpl, app, id, class_name(name), previous);
  file.close();
  if (!file) throw MigrationError(strings::cat("could not write ", path.string()));
  ctx.out << "Created " << path.string() << " (" << app << ":" << id
          << (previous ? strings::cat(", after ", app, ":", *previous) : "") << ")\n";
  return kOk;
}

}  // namespace massmigration::cli::internal
