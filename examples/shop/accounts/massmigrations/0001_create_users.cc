// accounts:0001_create_users: accounts is not routed, so it says where it runs itself.
#include <massmigration/massmigration.h>

namespace mm = massmigration;

namespace {

class CreateUsers : public mm::SimpleMigration {
 public:
  std::string description() const override { return "Create the account table."; }
  std::optional<std::vector<std::string>> allowed_db_aliases() const override {
    return {{"default"}};
  }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute(
        "CREATE TABLE account (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);"
        "INSERT INTO account (id, email) VALUES (1, 'ada@example.com');");
  }
};

}  // namespace

MASSMIGRATION_REGISTER(CreateUsers, "accounts", "0001_create_users");
