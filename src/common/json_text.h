// Internal: JSON string quoting, for the command line's and the console's JSON. Not API.
#ifndef MASSMIGRATION_SRC_COMMON_JSON_TEXT_H_
#define MASSMIGRATION_SRC_COMMON_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace massmigration::internal {

// `text` as a JSON string literal, quotes included (RFC 8259 escaping). Well-formed UTF-8
// passes through; each byte that is not becomes \ufffd, so the output is always valid JSON.
std::string json_string(std::string_view text);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_COMMON_JSON_TEXT_H_
