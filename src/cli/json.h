// Internal: JSON string quoting for the command line's JSON output. Not API.
#ifndef MASSMIGRATION_SRC_CLI_JSON_H_
#define MASSMIGRATION_SRC_CLI_JSON_H_

#include <string>
#include <string_view>

namespace massmigration::cli::internal {

// `text` as a JSON string literal, quotes included (RFC 8259 escaping). Well-formed UTF-8
// passes through; each byte that is not becomes \ufffd, so the output is always valid JSON.
std::string json_string(std::string_view text);

}  // namespace massmigration::cli::internal

#endif  // MASSMIGRATION_SRC_CLI_JSON_H_
