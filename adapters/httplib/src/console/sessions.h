// Internal: the console's sessions and the secrets they carry. Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_SESSIONS_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_SESSIONS_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "mutex.h"

namespace massmigration::web::internal {

// `bytes` bytes from the kernel's random source. Throws std::runtime_error when the kernel has
// none to give.
std::vector<unsigned char> random_bytes(size_t bytes);

// `bytes` bytes from the kernel's random source, as lowercase hex. Throws std::runtime_error
// when the kernel has none to give.
std::string random_token(size_t bytes = 32);

// Equal texts, compared in a time that does not depend on where they first differ.
bool same_secret(std::string_view a, std::string_view b);

struct Session {
  std::string id;  // the cookie's value
  std::string user;
  std::string csrf_token;  // every POST of this session carries it
  std::chrono::steady_clock::time_point expires;
  std::string notice{};  // what its last action did, shown once on its next page
};

// Sessions by id, kept in memory: a restart logs everybody out. Thread-safe.
class SessionStore {
 public:
  explicit SessionStore(std::chrono::seconds lifetime) : lifetime_(lifetime) {}

  // A new session for `user`, with fresh id and token.
  Session create(const std::string& user);
  // The live session of `user` made by this call or an earlier one: at most one each, for
  // users an application's `authorize` names (they log in and out with the application).
  Session of_user(const std::string& user);
  // The live session `id` names; nullopt for an unknown, ended or expired one.
  std::optional<Session> find(std::string_view id);
  // Ends session `id` (logout): later requests with it have no user.
  void end(std::string_view id);
  // Keeps `notice` for the next page of session `id`.
  void set_notice(std::string_view id, std::string notice);
  // The notice kept for session `id`, which is then forgotten; empty when none.
  std::string take_notice(std::string_view id);

 private:
  const std::chrono::seconds lifetime_;
  Mutex mutex_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, std::string> by_user_ ABSL_GUARDED_BY(mutex_);  // of_user's
};

// Login attempts by client address: each counts from its start (concurrent attempts cannot
// slip past the count) until it succeeds; after `attempts` that did not, that address may not
// try again until `lockout` has passed since the last one. Thread-safe.
class LoginThrottle {
 public:
  LoginThrottle(int attempts, std::chrono::seconds lockout)
      : attempts_(attempts), lockout_(lockout) {}

  // Starts an attempt from `address` and returns zero, or returns how long it must still wait
  // (and starts nothing).
  std::chrono::seconds begin(const std::string& address);
  // The attempt succeeded: the address's count starts over.
  void succeeded(const std::string& address);

 private:
  struct Attempts {
    int count = 0;
    std::chrono::steady_clock::time_point last;
  };
  const int attempts_;
  const std::chrono::seconds lockout_;
  Mutex mutex_;
  absl::flat_hash_map<std::string, Attempts> attempts_by_address_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_SESSIONS_H_
