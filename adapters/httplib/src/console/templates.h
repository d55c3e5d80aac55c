// Internal: the console's page templates (mustache: {{value}} is HTML-escaped, and no template
// uses the unescaped forms for anything but other rendered templates). Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_TEMPLATES_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_TEMPLATES_H_

#include <string_view>

namespace massmigration::web::internal {

// Every page: head, the user's bar and {{{content}}}, one of the templates below.
extern const std::string_view kLayoutTemplate;
extern const std::string_view kIndexTemplate;
extern const std::string_view kIndexRowTemplate;  // {{{rows_html}}} of the index
extern const std::string_view kDetailTemplate;
extern const std::string_view kConfirmTemplate;
extern const std::string_view kLoginTemplate;
extern const std::string_view kProblemTemplate;

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_TEMPLATES_H_
