#include "console/sessions.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "string_building.h"

namespace massmigration::web::internal {

std::vector<unsigned char> random_bytes(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  size_t filled = 0;
  while (filled < bytes) {
    const ssize_t got = getrandom(raw.data() + filled, bytes - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(strings::cat("getrandom: ", std::strerror(errno)));
    }
    filled += static_cast<size_t>(got);
  }
  return raw;
}

std::string random_token(size_t bytes) {
  const std::vector<unsigned char> raw = random_bytes(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(bytes * 2);
  for (unsigned char byte : raw) {
    token += kHex[byte >> 4];
    token += kHex[byte & 0xf];
  }
  return token;
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

Session SessionStore::create(const std::string& user) {
  const auto now = std::chrono::steady_clock::now();
  Session session{
      .id = random_token(), .user = user, .csrf_token = random_token(), .expires = now + lifetime_};
  MutexLock lock(&mutex_);
  // Expired sessions go when new ones come, so the map holds about one lifetime's logins.
  absl::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires <= now; });
  sessions_.emplace(session.id, session);
  return session;
}

Session SessionStore::of_user(const std::string& user) {
  {
    MutexLock lock(&mutex_);
    auto id = by_user_.find(user);
    if (id != by_user_.end()) {
      auto it = sessions_.find(id->second);
      if (it != sessions_.end() && it->second.expires > std::chrono::steady_clock::now()) {
        return it->second;
      }
    }
  }
  Session session = create(user);
  MutexLock lock(&mutex_);
  by_user_[user] = session.id;
  return session;
}

std::optional<Session> SessionStore::find(std::string_view id) {
  MutexLock lock(&mutex_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= std::chrono::steady_clock::now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::end(std::string_view id) {
  MutexLock lock(&mutex_);
  sessions_.erase(std::string(id));
}

void SessionStore::set_notice(std::string_view id, std::string notice) {
  MutexLock lock(&mutex_);
  auto it = sessions_.find(std::string(id));
  if (it != sessions_.end()) it->second.notice = std::move(notice);
}

std::string SessionStore::take_notice(std::string_view id) {
  MutexLock lock(&mutex_);
  auto it = sessions_.find(std::string(id));
  return it == sessions_.end() ? std::string() : std::exchange(it->second.notice, {});
}

std::chrono::seconds LoginThrottle::begin(const std::string& address) {
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(&mutex_);
  // Addresses whose lockout has passed are forgotten, so the map holds only recent ones.
  absl::erase_if(attempts_by_address_,
                 [&](const auto& entry) { return entry.second.last + lockout_ <= now; });
  Attempts& attempts = attempts_by_address_[address];
  if (attempts.count >= attempts_) {
    return std::chrono::ceil<std::chrono::seconds>(attempts.last + lockout_ - now);
  }
  ++attempts.count;
  attempts.last = now;
  return std::chrono::seconds(0);
}

void LoginThrottle::succeeded(const std::string& address) {
  MutexLock lock(&mutex_);
  attempts_by_address_.erase(address);
}

}  // namespace massmigration::web::internal
