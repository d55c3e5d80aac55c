// Internal: the state behind a MigrationRequirement. Not API.
#ifndef MASSMIGRATION_SRC_GUARDS_REQUIREMENT_H_
#define MASSMIGRATION_SRC_GUARDS_REQUIREMENT_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "guards/applied_cache.h"
#include "massmigration/check.h"
#include "massmigration/enforcement.h"
#include "model/installation.h"
#include "mutex.h"

namespace massmigration::internal {

class Requirement {
 public:
  Requirement(UncheckedKey key, GuardOptions options, std::string guarded);
  Requirement(const Requirement&) = delete;
  Requirement& operator=(const Requirement&) = delete;

  // Read without a lock by MigrationRequirement::ensure_applied().
  AppliedFlag flag;

  void ensure_applied_slow();
  bool is_applied();
  // What check() reports for this guard: empty when its key and aliases resolve.
  std::optional<CheckProblem> problem();

  const std::string& key_text() const { return key_text_; }
  const std::string& guarded() const { return guarded_; }
  bool same_as(const UncheckedKey& key, const GuardOptions& options) const;

 private:
  // The key and required aliases, resolved against one installation.
  struct Resolved {
    std::shared_ptr<const Installation> installation;
    MigrationKey key;
    std::vector<std::pair<AliasDatabase*, AppliedEntry*>> required;
  };
  struct Outcome {
    std::vector<std::string> missing;
    std::string cause;         // set when a store could not answer
    std::exception_ptr error;  // the first store failure
    bool applied() const { return missing.empty(); }
  };

  UncheckedKey unchecked() const;
  // Throws InvalidMigrationKey or UnknownMigration.
  MigrationKey registered_key() const;
  // Throws the misuse errors, and MigrationError when not configured.
  std::shared_ptr<const Resolved> resolve(std::shared_ptr<const Installation> installation);
  Outcome evaluate(const Resolved& resolved, std::uint64_t epoch);
  // evaluate(), and a positive answer stamps this requirement's flag with `epoch`.
  Outcome check(const Resolved& resolved, std::uint64_t epoch);

  const std::string key_text_;
  const std::string first_;
  const std::string second_;
  const bool is_pair_;
  const GuardOptions options_;
  const std::string guarded_;

  Mutex mu_;
  std::shared_ptr<const Resolved> resolved_ ABSL_GUARDED_BY(mu_);
};

// A new requirement; a guard's is remembered (weakly) for check().
std::shared_ptr<Requirement> make_requirement(UncheckedKey key, GuardOptions options,
                                              std::string guarded, bool is_guard);
// Every requirement still alive.
std::vector<std::shared_ptr<Requirement>> live_requirements();

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_GUARDS_REQUIREMENT_H_
