#include "context.h"
#include "massmigration/check.h"
#include "massmigration/config.h"
#include "massmigration/registry.h"

namespace massmigration::cli::internal {

int check_command(Context& ctx, const std::vector<std::string>& args) {
  Args parsed(args, {}, {});
  parsed.expect_positional({});
  std::vector<CheckProblem> problems = check();
  for (const CheckProblem& problem : problems) {
    ctx.out << problem.where << ": " << problem.message << "\n";
  }
  if (!problems.empty()) {
    ctx.out << problems.size() << " problem(s) found\n";
    return kFailed;
  }
  const size_t migrations = get_all_migrations().size();
  const size_t databases = current_config().databases.size();
  ctx.out << "No problems found (" << migrations
          << (migrations == 1 ? " migration, " : " migrations, ") << databases
          << (databases == 1 ? " database)\n" : " databases)\n");
  return kOk;
}

}  // namespace massmigration::cli::internal
