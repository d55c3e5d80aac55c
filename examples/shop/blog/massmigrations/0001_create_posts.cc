// blog:0001_create_posts
#include <massmigration/massmigration.h>

namespace mm = massmigration;

namespace {

class CreatePosts : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Create the post table with samples."; }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute(
        "CREATE TABLE post (id INTEGER PRIMARY KEY, title TEXT NOT NULL);"
        "INSERT INTO post (id, title) VALUES (1, 'hello world'), (2, 'mass migrations in c++');");
  }
};

}  // namespace

MASSMIGRATION_REGISTER(CreatePosts, "blog", "0001_create_posts");
