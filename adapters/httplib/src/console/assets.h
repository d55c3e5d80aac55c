// Internal: the console's script and style sheet, served from PREFIX/static/. Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_ASSETS_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_ASSETS_H_

#include <string_view>

namespace massmigration::web::internal {

extern const std::string_view kConsoleScript;
extern const std::string_view kConsoleStyle;
extern const std::string_view kFavicon;

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_ASSETS_H_
