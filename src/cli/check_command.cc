#include "cli/context.h"
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
  ctx.out << "No problems found (" << get_all_migrations().size() << " migrations, "
          << current_config().databases.size() << " databases)\n";
  return kOk;
}

}  // namespace massmigration::cli::internal
