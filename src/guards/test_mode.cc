#include "guards/test_mode.h"

#include <atomic>

namespace massmigration::internal {
namespace {

// Constant-initialised so that a test binary may switch test mode on from a static initialiser.
constinit std::atomic<bool> g_test_mode{false};
constinit std::atomic<int> g_forced_enforcement{0};

}  // namespace

void set_test_mode(bool on) { g_test_mode.store(on, std::memory_order_release); }
bool test_mode() { return g_test_mode.load(std::memory_order_acquire); }
void begin_forced_enforcement() { g_forced_enforcement.fetch_add(1, std::memory_order_acq_rel); }
void end_forced_enforcement() { g_forced_enforcement.fetch_sub(1, std::memory_order_acq_rel); }

bool guards_skip_in_tests() {
  return test_mode() && g_forced_enforcement.load(std::memory_order_acquire) == 0;
}

}  // namespace massmigration::internal
