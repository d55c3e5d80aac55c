// Internal: test mode, set by <massmigration/testing.h>. Not API.
#ifndef MASSMIGRATION_SRC_GUARDS_TEST_MODE_H_
#define MASSMIGRATION_SRC_GUARDS_TEST_MODE_H_

namespace massmigration::internal {

void set_test_mode(bool on);
bool test_mode();
// Forced enforcement nests: guards check for real while any scope holds it.
void begin_forced_enforcement();
void end_forced_enforcement();
// True when guards with skip_in_tests let calls through unchecked.
bool guards_skip_in_tests();

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_GUARDS_TEST_MODE_H_
