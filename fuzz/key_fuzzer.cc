// Migration keys, "app:id" and {"app", "id"}: a key is accepted exactly when both halves are
// valid, an accepted key spells itself back and parses again to the same key, and every
// refusal is InvalidMigrationKey naming the text. Anything else thrown escapes and aborts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "massmigration/errors.h"
#include "massmigration/key.h"

namespace mm = massmigration;

namespace {

int leading_number(std::string_view id) {
  int number = 0;
  for (char c : id) {
    if (c < '0' || c > '9') break;
    number = number * 10 + (c - '0');
  }
  return number;
}

void check_accepted(const mm::MigrationKey& key, std::string_view input) {
  FUZZ_CHECK(!mm::app_label_problem(key.app_label()), input);
  FUZZ_CHECK(!mm::migration_id_problem(key.migration_id()), input);
  FUZZ_CHECK(key.number() == leading_number(key.migration_id()), input);
  const mm::MigrationKey again(key.str());
  FUZZ_CHECK(again == key && (again <=> key) == 0, input);
  FUZZ_CHECK(mm::MigrationKey(key.app_label(), key.migration_id()) == key, input);
  FUZZ_CHECK(mm::UncheckedKey(key).parse() == key, input);
}

void check_string_spelling(std::string_view text) {
  std::string why;
  std::optional<mm::MigrationKey> key = mm::MigrationKey::try_parse(text, &why);
  if (key) {
    FUZZ_CHECK(key->str() == text, text);
    check_accepted(*key, text);
    FUZZ_CHECK(mm::UncheckedKey(text).parse() == *key, text);
    return;
  }
  FUZZ_CHECK(!why.empty(), text);
  try {
    mm::UncheckedKey(text).parse();
    FUZZ_CHECK(!"the constructor accepted what try_parse refused", text);
  } catch (const mm::InvalidMigrationKey& e) {
    FUZZ_CHECK(e.text() == text && e.reason() == why, text);
  }
}

void check_pair_spelling(std::string_view app, std::string_view id, std::string_view input) {
  const bool valid = !mm::app_label_problem(app) && !mm::migration_id_problem(id);
  try {
    mm::MigrationKey key = mm::UncheckedKey(app, id).parse();
    FUZZ_CHECK(valid, input);
    FUZZ_CHECK(key.app_label() == app && key.migration_id() == id, input);
    check_accepted(key, input);
  } catch (const mm::InvalidMigrationKey&) {
    FUZZ_CHECK(!valid, input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_string_spelling(input);
  // The pair spelling: the input split at its first newline, or at its first ':'.
  size_t split = input.find('\n');
  if (split == std::string_view::npos) split = input.find(':');
  if (split != std::string_view::npos) {
    check_pair_spelling(input.substr(0, split), input.substr(split + 1), input);
  }
  return 0;
}
