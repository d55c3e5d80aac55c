// Internal: string building over absl::StrCat. Debian's Abseil has its own string_view type,
// which absl::StrCat does not take std::string_view for; these accept both. Not API.
#ifndef MASSMIGRATION_SRC_COMMON_STRING_BUILDING_H_
#define MASSMIGRATION_SRC_COMMON_STRING_BUILDING_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace massmigration::strings {

inline absl::string_view piece(std::string_view text) { return {text.data(), text.size()}; }
inline const std::string& piece(const std::string& text) { return text; }
inline const char* piece(const char* text) { return text; }
inline absl::string_view piece(absl::string_view text) { return text; }
template <typename T>
requires std::is_arithmetic_v<T> T piece(T value) { return value; }

template <typename... T>
std::string cat(const T&... pieces) {
  return absl::StrCat(piece(pieces)...);
}

template <typename... T>
void append(std::string& out, const T&... pieces) {
  absl::StrAppend(&out, piece(pieces)...);
}

}  // namespace massmigration::strings

#endif  // MASSMIGRATION_SRC_COMMON_STRING_BUILDING_H_
