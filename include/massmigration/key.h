// Migration keys: the name of one migration, "<app_label>:<migration_id>".
//
//   mm::MigrationKey key("shop:0002_backfill_slugs");
//   mm::MigrationKey same{"shop", "0002_backfill_slugs"};
//
// `app_label` matches ^[a-z][a-z0-9_]*$ and `migration_id` matches ^\d{1,5}_[a-z0-9_]+$.
// A MigrationKey is always valid: its constructors throw InvalidMigrationKey otherwise.
// UncheckedKey is the same spelling held as written, for guards that must not throw
// before their first use (see enforcement.h).
//
// Thread safety: immutable values; safe to share.
#ifndef MASSMIGRATION_KEY_H_
#define MASSMIGRATION_KEY_H_

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace massmigration {

class MigrationKey {
 public:
  // Parses "app:id". Throws InvalidMigrationKey naming the text and what is wrong with it.
  MigrationKey(std::string_view key);  // NOLINT(google-explicit-constructor): keys read as strings
  MigrationKey(const char* key) : MigrationKey(std::string_view(key)) {}         // NOLINT
  MigrationKey(const std::string& key) : MigrationKey(std::string_view(key)) {}  // NOLINT
  // The pair spelling {"shop", "0002_backfill_slugs"}. Throws InvalidMigrationKey.
  MigrationKey(std::string_view app_label, std::string_view migration_id);
  MigrationKey(const std::pair<std::string, std::string>& pair)  // NOLINT
      : MigrationKey(pair.first, pair.second) {}

  // Returns the key, or nullopt with the reason in `*why` (when given).
  static std::optional<MigrationKey> try_parse(std::string_view key, std::string* why = nullptr);

  const std::string& app_label() const { return app_label_; }
  const std::string& migration_id() const { return migration_id_; }
  // The leading number of the id: 2 for "0002_backfill_slugs".
  int number() const { return number_; }
  // "app:id".
  std::string str() const { return app_label_ + ":" + migration_id_; }

  friend bool operator==(const MigrationKey& a, const MigrationKey& b) {
    return a.app_label_ == b.app_label_ && a.migration_id_ == b.migration_id_;
  }
  // Orders by app label, then by number, then by id: the order of get_all_migrations().
  friend std::strong_ordering operator<=>(const MigrationKey& a, const MigrationKey& b);

  template <typename H>
  friend H AbslHashValue(H h, const MigrationKey& key) {
    return H::combine(std::move(h), key.app_label_, key.migration_id_);
  }

 private:
  struct Unchecked {};
  MigrationKey(Unchecked, std::string app_label, std::string migration_id, int number)
      : app_label_(std::move(app_label)), migration_id_(std::move(migration_id)), number_(number) {}

  std::string app_label_;
  std::string migration_id_;
  int number_ = 0;
};

// Why `app_label` is not a valid app label, or nullopt when it is.
std::optional<std::string> app_label_problem(std::string_view app_label);
// Why `migration_id` is not a valid migration id, or nullopt when it is.
std::optional<std::string> migration_id_problem(std::string_view migration_id);

// A key as the caller wrote it, string or pair, not yet checked. It refers to the caller's
// characters and must not outlive them; whatever keeps it copies the text.
class UncheckedKey {
 public:
  UncheckedKey(const char* key) : first_(key) {}         // NOLINT
  UncheckedKey(std::string_view key) : first_(key) {}    // NOLINT
  UncheckedKey(const std::string& key) : first_(key) {}  // NOLINT
  UncheckedKey(std::string_view app_label, std::string_view migration_id)
      : first_(app_label), second_(migration_id), is_pair_(true) {}
  UncheckedKey(const std::pair<std::string, std::string>& pair)  // NOLINT
      : UncheckedKey(pair.first, pair.second) {}
  UncheckedKey(const MigrationKey& key)  // NOLINT
      : UncheckedKey(key.app_label(), key.migration_id()) {}

  bool is_pair() const { return is_pair_; }
  std::string_view first() const { return first_; }
  std::string_view second() const { return second_; }
  // The key as written: "app:id" for either spelling.
  std::string text() const;
  // Throws InvalidMigrationKey.
  MigrationKey parse() const;

 private:
  std::string_view first_;
  std::string_view second_;
  bool is_pair_ = false;
};

}  // namespace massmigration

#endif  // MASSMIGRATION_KEY_H_
