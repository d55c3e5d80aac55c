// Start-up validation: everything that would otherwise fail on first use, found at once.
#ifndef MASSMIGRATION_CHECK_H_
#define MASSMIGRATION_CHECK_H_

#include <string>
#include <vector>

namespace massmigration {

struct CheckProblem {
  std::string where{};    // "guard at shop.cc:42", "migration shop:0002_x", "configuration"
  std::string message{};  // what is wrong
  friend bool operator==(const CheckProblem&, const CheckProblem&) = default;
};

// Checks the configuration, the registry (malformed or duplicate keys, allowed_db_aliases
// that are not configured, migrations that may run nowhere, dependencies that are malformed,
// unregistered or cyclic), every guard constructed so far (key, registration, db_aliases) and
// what shows about each database without connecting to it (an SQLite file whose directory is
// missing or not writable). Opens no database. Returns every problem found; empty means all is well.
std::vector<CheckProblem> check();

}  // namespace massmigration

#endif  // MASSMIGRATION_CHECK_H_
