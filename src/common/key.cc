#include "massmigration/key.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "massmigration/errors.h"
#include "string_building.h"

namespace massmigration {
namespace {

bool is_name_char(char c) {
  return absl::ascii_islower(static_cast<unsigned char>(c)) ||
         absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_';
}

}  // namespace

std::optional<std::string> app_label_problem(std::string_view app_label) {
  if (app_label.empty()) return "the app label is empty";
  if (!absl::ascii_islower(static_cast<unsigned char>(app_label.front()))) {
    return strings::cat("app label \"", app_label,
                        "\" must start with a lowercase letter (^[a-z][a-z0-9_]*$)");
  }
  for (char c : app_label) {
    if (!is_name_char(c)) {
      return strings::cat("app label \"", app_label,
                          "\" may contain only a-z, 0-9 and _ (^[a-z][a-z0-9_]*$)");
    }
  }
  return std::nullopt;
}

std::optional<std::string> migration_id_problem(std::string_view migration_id) {
  constexpr std::string_view kPattern = " (^\\d{1,5}_[a-z0-9_]+$, e.g. 0002_backfill_slugs)";
  if (migration_id.empty()) return "the migration id is empty";
  size_t digits = 0;
  while (digits < migration_id.size() &&
         absl::ascii_isdigit(static_cast<unsigned char>(migration_id[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return strings::cat("migration id \"", migration_id, "\" must start with a number", kPattern);
  }
  if (digits > 5) {
    return strings::cat("migration id \"", migration_id, "\" has more than 5 digits", kPattern);
  }
  if (digits == migration_id.size() || migration_id[digits] != '_') {
    return strings::cat("migration id \"", migration_id, "\" needs an underscore after its number",
                        kPattern);
  }
  std::string_view name = migration_id.substr(digits + 1);
  if (name.empty()) {
    return strings::cat("migration id \"", migration_id, "\" has no name after its number",
                        kPattern);
  }
  for (char c : name) {
    if (!is_name_char(c)) {
      return strings::cat("migration id \"", migration_id,
                          "\" may contain only a-z, 0-9 and _ after its number", kPattern);
    }
  }
  return std::nullopt;
}

namespace {

int leading_number(std::string_view migration_id) {
  int number = 0;
  std::from_chars(migration_id.data(), migration_id.data() + migration_id.size(), number);
  return number;
}

std::optional<std::string> key_problem(std::string_view app, std::string_view id) {
  if (auto why = app_label_problem(app)) return why;
  return migration_id_problem(id);
}

}  // namespace

std::optional<MigrationKey> MigrationKey::try_parse(std::string_view key, std::string* why) {
  size_t colon = key.find(':');
  if (colon == std::string_view::npos) {
    if (why) *why = "expected \"<app_label>:<migration_id>\", found no ':'";
    return std::nullopt;
  }
  std::string_view app = key.substr(0, colon);
  std::string_view id = key.substr(colon + 1);
  if (auto problem = key_problem(app, id)) {
    if (why) *why = *std::move(problem);
    return std::nullopt;
  }
  return MigrationKey(Unchecked{}, std::string(app), std::string(id), leading_number(id));
}

MigrationKey::MigrationKey(std::string_view key) {
  std::string why;
  std::optional<MigrationKey> parsed = try_parse(key, &why);
  if (!parsed) throw InvalidMigrationKey(std::string(key), why);
  *this = *std::move(parsed);
}

MigrationKey::MigrationKey(std::string_view app_label, std::string_view migration_id) {
  if (auto problem = key_problem(app_label, migration_id)) {
    throw InvalidMigrationKey(strings::cat("{\"", app_label, "\", \"", migration_id, "\"}"),
                              *problem);
  }
  app_label_ = std::string(app_label);
  migration_id_ = std::string(migration_id);
  number_ = leading_number(migration_id);
}

std::strong_ordering operator<=>(const MigrationKey& a, const MigrationKey& b) {
  if (auto c = a.app_label_ <=> b.app_label_; c != 0) return c;
  if (auto c = a.number_ <=> b.number_; c != 0) return c;
  return a.migration_id_ <=> b.migration_id_;
}

std::string UncheckedKey::text() const {
  if (is_pair_) return strings::cat(first_, ":", second_);
  return std::string(first_);
}

MigrationKey UncheckedKey::parse() const {
  if (is_pair_) return MigrationKey(first_, second_);
  return MigrationKey(first_);
}

}  // namespace massmigration
