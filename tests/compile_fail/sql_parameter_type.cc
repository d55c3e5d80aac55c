// A SQL parameter of a type that is not a SQL value.
// expect: a SQL parameter is an integer, a floating point number, text
#include <massmigration/massmigration.h>

#include <optional>

namespace mm = massmigration;

void tag(mm::OperationContext& ctx, std::optional<std::int64_t> id) {
#ifdef MASSMIGRATION_WRONG_SPELLING
  ctx.execute("UPDATE product SET tagged = 1 WHERE id = $1", id);
#else
  ctx.execute("UPDATE product SET tagged = 1 WHERE id = $1",
              id ? mm::SqlValue(*id) : mm::SqlValue(nullptr));
#endif
}
