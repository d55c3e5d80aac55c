// Guards for cpp-httplib handlers (target massmigration::httplib).
//
//   server.Get("/products", mm::view_requires_migration("shop:0002_backfill_slugs")(handler));
//   server.Get("/report", mm::view_requires_migration("shop:0002_backfill_slugs",
//                                                     {.db_aliases = {"shop_db"}})
//                             .retry_after(std::chrono::seconds(30))(report));
//
// The checks are those of requires_migration (enforcement.h). When the migration is not
// applied, or its store cannot answer, the handler is not called: the response is
// 503 Service Unavailable, body "This resource requires data changes which have not yet been
// made.", header Retry-After (default 60 s), and the refusal is logged as a warning. A guard
// that is itself wrong (malformed or unknown key, db_aliases outside the migration's aliases)
// answers 500 and logs an error naming the mistake, also without calling the handler.
#ifndef MASSMIGRATION_HTTPLIB_H_
#define MASSMIGRATION_HTTPLIB_H_

#include <httplib.h>

#include <chrono>
#include <type_traits>
#include <utility>

#include "massmigration/enforcement.h"
#include "massmigration/source_site.h"

namespace massmigration {

inline constexpr char kMigrationPendingBody[] =
    "This resource requires data changes which have not yet been made.";

namespace internal {
// True when the request was answered with a refusal (see above) and the handler must not run.
bool refuse_unless_applied(const MigrationRequirement& requirement,
                           std::chrono::seconds retry_after, const httplib::Request& request,
                           httplib::Response& response);
}  // namespace internal

class ViewRequiresMigration {
 public:
  explicit ViewRequiresMigration(MigrationRequirement requirement)
      : requirement_(std::move(requirement)) {}

  // The Retry-After value sent with a 503.
  ViewRequiresMigration& retry_after(std::chrono::seconds seconds) {
    retry_after_ = seconds;
    return *this;
  }

  // A handler with the same parameters as `handler`: (const httplib::Request&,
  // httplib::Response&), or those and a const httplib::ContentReader& (a Post handler that
  // reads the body itself). The handler is called as const.
  template <typename Handler>
  auto operator()(Handler handler) const {
    constexpr bool kIsHandler =
        std::is_invocable_v<const Handler&, const httplib::Request&, httplib::Response&> ||
        std::is_invocable_v<const Handler&, const httplib::Request&, httplib::Response&,
                            const httplib::ContentReader&>;
    static_assert(kIsHandler,
                  "view_requires_migration(key)(handler): handler must be callable as "
                  "handler(const httplib::Request& req, httplib::Response& res) (or with a "
                  "third parameter const httplib::ContentReader&), and not need to be mutable; "
                  "e.g. [](const httplib::Request& req, httplib::Response& res) { ... }");
    if constexpr (kIsHandler) {
      return [requirement = requirement_, retry_after = retry_after_,
              handler = std::move(handler)](const httplib::Request& request,
                                            httplib::Response& response, auto&&... rest) {
        if (internal::refuse_unless_applied(requirement, retry_after, request, response)) return;
        handler(request, response, std::forward<decltype(rest)>(rest)...);
      };
    } else {
      // Never compiled into a program: a handler httplib takes, so that the assertion above
      // is the only error reported.
      return [](const httplib::Request&, httplib::Response&) {};
    }
  }

 private:
  MigrationRequirement requirement_;
  std::chrono::seconds retry_after_{60};
};

inline ViewRequiresMigration view_requires_migration(
    UncheckedKey key, GuardOptions options = {},
    SourceSite where = SourceSite::current()) {
  return ViewRequiresMigration(MigrationRequirement(key, std::move(options), where));
}

}  // namespace massmigration

#endif  // MASSMIGRATION_HTTPLIB_H_
