// Console passwords: argon2id (RFC 9106) with the parameters OWASP recommends for it.
#include <argon2.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "console/sessions.h"
#include "massmigration/web.h"
#include "string_building.h"

namespace massmigration::web {
namespace {

constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19 * 1024;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

std::string hash_password(std::string_view password) {
  const std::vector<unsigned char> salt = internal::random_bytes(kSaltBytes);
  std::vector<char> encoded(
      argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltBytes, kHashBytes, Argon2_id));
  const int status =
      argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(),
                            salt.data(), kSaltBytes, kHashBytes, encoded.data(), encoded.size());
  if (status != ARGON2_OK) {
    throw std::runtime_error(strings::cat("argon2id: ", argon2_error_message(status)));
  }
  return std::string(encoded.data());
}

bool verify_password(std::string_view password, const std::string& encoded_hash) {
  if (!encoded_hash.starts_with("$argon2id$")) return false;
  return argon2id_verify(encoded_hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool is_password_hash(const std::string& encoded_hash) {
  if (!encoded_hash.starts_with("$argon2id$")) return false;
  // Checking a password decodes the hash first: only a hash that decodes can mismatch.
  return argon2id_verify(encoded_hash.c_str(), "", 0) == ARGON2_VERIFY_MISMATCH ||
         verify_password("", encoded_hash);
}

}  // namespace massmigration::web
