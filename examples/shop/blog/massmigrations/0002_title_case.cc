// blog:0002_title_case
#include <massmigration/massmigration.h>

#include <cctype>

namespace mm = massmigration;

namespace {

class TitleCase : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Capitalise every word of post titles."; }
  std::vector<mm::MigrationKey> dependencies() const override {
    return {{"blog", "0001_create_posts"}};
  }
  void operation(mm::OperationContext& ctx) override {
    for (const mm::SqlRow& row : ctx.query("SELECT id, title FROM post")) {
      std::string title = std::get<std::string>(row[1]);
      bool start = true;
      for (char& c : title) {
        if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        start = c == ' ';
      }
      ctx.execute("UPDATE post SET title = $1 WHERE id = $2", title, row[0]);
    }
  }
};

}  // namespace

MASSMIGRATION_REGISTER(TitleCase, "blog", "0002_title_case");
