// What changes from run to run in the text massmigration prints (attempt UUIDs, times read
// from a clock, owners, ages), replaced by placeholders so that a test can compare the rest
// exactly.
#ifndef MASSMIGRATION_TESTS_SUPPORT_VARYING_TEXT_H_
#define MASSMIGRATION_TESTS_SUPPORT_VARYING_TEXT_H_

#include <regex>
#include <string>

namespace massmigration::test {

// "<uuid>" for a version-4 UUID, "<time>" for a record time, "<owner>" for "host H pid N",
// "<age> ago" for an age such as "1.5s ago".
inline std::string with_placeholders(std::string text) {
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
  static const std::regex time("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z");
  static const std::regex owner("host [^ \"]+ pid [0-9]+");
  static const std::regex age("[0-9.hms]+ ago");
  text = std::regex_replace(text, uuid, "<uuid>");
  text = std::regex_replace(text, time, "<time>");
  text = std::regex_replace(text, owner, "<owner>");
  return std::regex_replace(text, age, "<age> ago");
}

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_VARYING_TEXT_H_
