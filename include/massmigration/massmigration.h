// massmigration: long-running data migrations across several databases, and guards that keep
// application code from running until those migrations are applied. One include for the core.
#ifndef MASSMIGRATION_MASSMIGRATION_H_
#define MASSMIGRATION_MASSMIGRATION_H_

#include "massmigration/api.h"
#include "massmigration/backend.h"
#include "massmigration/check.h"
#include "massmigration/config.h"
#include "massmigration/enforcement.h"
#include "massmigration/errors.h"
#include "massmigration/key.h"
#include "massmigration/log.h"
#include "massmigration/mapper.h"
#include "massmigration/metrics.h"
#include "massmigration/migration.h"
#include "massmigration/operation_context.h"
#include "massmigration/progress.h"
#include "massmigration/record.h"
#include "massmigration/record_store.h"
#include "massmigration/registry.h"
#include "massmigration/sql.h"
#include "massmigration/status.h"

#endif  // MASSMIGRATION_MASSMIGRATION_H_
