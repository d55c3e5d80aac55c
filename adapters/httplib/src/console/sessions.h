// Internal: the console's sessions and the secrets they carry. Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_SESSIONS_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_SESSIONS_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "mutex.h"

namespace massmigration::web::internal {

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
};

// Failed logins by client address: after `attempts` failures, that address may not try
// again until `lockout` has passed since its last failure. Thread-safe.
class LoginThrottle {
 public:
  LoginThrottle(int attempts, std::chrono::seconds lockout)
      : attempts_(attempts), lockout_(lockout) {}

  // How long `address` must still wait; zero when it may try.
  std::chrono::seconds wait(const std::string& address);
  void failed(const std::string& address);
  void succeeded(const std::string& address);

 private:
  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point last;
  };
  const int attempts_;
  const std::chrono::seconds lockout_;
  Mutex mutex_;
  absl::flat_hash_map<std::string, Failures> failures_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_SESSIONS_H_
