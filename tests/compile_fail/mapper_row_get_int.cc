// row.get<int>: a SqlValue holds std::int64_t, never int.
// expect: T must be std::int64_t, double or std::string
#include <massmigration/massmigration.h>

namespace mm = massmigration;

long twice(const mm::MapperRow& row) {
#ifdef MASSMIGRATION_WRONG_SPELLING
  return row.get<int>("total_cents") * 2;
#else
  return row.get<std::int64_t>("total_cents") * 2;
#endif
}
