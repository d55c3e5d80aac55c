// Migrations registered for the core test binaries (test_migrations.cc).
//
//   shop:0001_initial        simple, every alias
//   shop:0002_backfill_slugs simple, depends on shop:0001_initial, allowed {default, shop_db}
//   blog:0001_titles         simple, every alias (routing decides in tests that route blog)
//   accounts:0001_reindex    mapper, allowed {default}
//   accounts:0002_export     custom, allowed {default}
#ifndef MASSMIGRATION_TESTS_SUPPORT_TEST_MIGRATIONS_H_
#define MASSMIGRATION_TESTS_SUPPORT_TEST_MIGRATIONS_H_

namespace massmigration::test {

inline constexpr char kInitial[] = "shop:0001_initial";
inline constexpr char kBackfill[] = "shop:0002_backfill_slugs";
inline constexpr char kBlogTitles[] = "blog:0001_titles";
inline constexpr char kReindex[] = "accounts:0001_reindex";
inline constexpr char kExport[] = "accounts:0002_export";

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_TEST_MIGRATIONS_H_
