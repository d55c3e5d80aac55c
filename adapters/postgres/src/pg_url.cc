#include <libpq-fe.h>

#include <stdexcept>
#include <string>

#include "massmigration/postgres.h"
#include "pg_url_options.h"

namespace massmigration::postgres {

std::string connection_string(const std::string& given) {
  const std::string url = internal::without_own_options(given);
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    std::string why = error ? error : "libpq cannot parse it";
    PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw std::invalid_argument("\"" + url + "\" is not a valid PostgreSQL URL: " + why);
  }
  bool has_timeout = false;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (std::string(option->keyword) == "connect_timeout" && option->val && *option->val) {
      has_timeout = true;
    }
  }
  PQconninfoFree(options);
  if (has_timeout) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=5";
}

}  // namespace massmigration::postgres
