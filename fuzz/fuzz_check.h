// A property check for the fuzz targets: unlike assert(), it stays on in every build type and
// says which property failed and for which input (non-printable bytes as \xNN).
#ifndef MASSMIGRATION_FUZZ_FUZZ_CHECK_H_
#define MASSMIGRATION_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace massmigration::fuzz {

[[noreturn]] inline void property_failed(const char* file, int line, const char* property,
                                         std::string_view input) {
  std::fprintf(stderr, "%s:%d: property failed: %s\n  input (%zu bytes): \"", file, line, property,
               input.size());
  for (unsigned char c : input) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  std::fprintf(stderr, "\"\n");
  std::abort();
}

}  // namespace massmigration::fuzz

#define FUZZ_CHECK(condition, input)                                                   \
  do {                                                                                 \
    if (!(condition)) {                                                                \
      ::massmigration::fuzz::property_failed(__FILE__, __LINE__, #condition, (input)); \
    }                                                                                  \
  } while (false)

#endif  // MASSMIGRATION_FUZZ_FUZZ_CHECK_H_
