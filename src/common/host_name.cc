#include "host_name.h"

#include <unistd.h>

namespace massmigration::internal {

std::string host_name() {
  // POSIX leaves the name unterminated when it is truncated: the last byte stays '\0'.
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "(unknown)";
  return host;
}

}  // namespace massmigration::internal
