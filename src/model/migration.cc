#include "massmigration/migration.h"

namespace massmigration {

std::string_view to_string(MigrationType type) {
  switch (type) {
    case MigrationType::kSimple:
      return "simple";
    case MigrationType::kMapper:
      return "mapper";
    case MigrationType::kCustom:
      return "custom";
  }
  return "unknown";
}

}  // namespace massmigration
