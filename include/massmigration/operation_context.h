// What a running migration is handed: the alias it runs on. Issue-3 work extends this with
// SQL on that alias's database; migrations written today keep compiling.
#ifndef MASSMIGRATION_OPERATION_CONTEXT_H_
#define MASSMIGRATION_OPERATION_CONTEXT_H_

#include <string>
#include <string_view>

#include "massmigration/key.h"

namespace massmigration {

class OperationContext {
 public:
  OperationContext(MigrationKey key, std::string alias)
      : key_(std::move(key)), alias_(std::move(alias)) {}
  virtual ~OperationContext() = default;
  OperationContext(const OperationContext&) = delete;
  OperationContext& operator=(const OperationContext&) = delete;

  // The migration being run.
  const MigrationKey& key() const { return key_; }
  // The database alias it runs on.
  const std::string& alias() const { return alias_; }

 private:
  MigrationKey key_;
  std::string alias_;
};

}  // namespace massmigration

#endif  // MASSMIGRATION_OPERATION_CONTEXT_H_
