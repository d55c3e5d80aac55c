// Where a guard was written (file, function, line, column), for messages and for telling call
// sites apart. Taken as a defaulted argument, `SourceSite where = SourceSite::current()`.
// It is std::source_location where the standard library provides one that works; Clang 14 with
// libstdc++ 12 does not, and gets a class with the same members from the compiler's builtins.
#ifndef MASSMIGRATION_SOURCE_SITE_H_
#define MASSMIGRATION_SOURCE_SITE_H_

#include <cstdint>
#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace massmigration {

#if defined(__cpp_lib_source_location)

using SourceSite = std::source_location;

#else

class SourceSite {
 public:
  // constexpr, not consteval: Clang 14 refuses a consteval call in a default argument.
  static constexpr SourceSite current(const char* file = __builtin_FILE(),
                                      const char* function = __builtin_FUNCTION(),
                                      std::uint_least32_t line = __builtin_LINE(),
                                      std::uint_least32_t column = __builtin_COLUMN()) noexcept {
    SourceSite site;
    site.file_ = file;
    site.function_ = function;
    site.line_ = line;
    site.column_ = column;
    return site;
  }

  constexpr SourceSite() noexcept = default;
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  constexpr std::uint_least32_t column() const noexcept { return column_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
  std::uint_least32_t column_ = 0;
};

#endif

namespace internal {

// A SourceSite as plain data. The library's compiled functions take this, never a SourceSite,
// whose type differs between compilers: a library built by GCC links with code built by Clang.
class CallSite {
 public:
  constexpr explicit CallSite(const SourceSite& site) noexcept
      : file_(site.file_name()),
        function_(site.function_name()),
        line_(site.line()),
        column_(site.column()) {}
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  constexpr std::uint_least32_t column() const noexcept { return column_; }

 private:
  const char* file_;
  const char* function_;
  std::uint_least32_t line_;
  std::uint_least32_t column_;
};

}  // namespace internal

}  // namespace massmigration

#endif  // MASSMIGRATION_SOURCE_SITE_H_
