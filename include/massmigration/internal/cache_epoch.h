// Internal: the generation of the guards' positive cache. Not API.
#ifndef MASSMIGRATION_INTERNAL_CACHE_EPOCH_H_
#define MASSMIGRATION_INTERNAL_CACHE_EPOCH_H_

#include <atomic>
#include <cstdint>

namespace massmigration::internal {

// Every positive answer is stamped with the epoch it was observed in and trusted only while the
// epoch is unchanged. reset_guard_cache() and configure() advance it. Starts at 1 so that a
// stamp of 0 means "never seen applied". Constant-initialised: usable during static init.
inline constinit std::atomic<std::uint64_t> g_cache_epoch{1};

// Makes every answer stamped before it untrusted (reset_guard_cache(), configure()).
inline void advance_cache_epoch() { g_cache_epoch.fetch_add(1, std::memory_order_acq_rel); }

// The per-guard flag read on the hot path: the epoch in which this guard last saw its
// migration applied everywhere it requires. On its own cache line, since it is read by every
// caller of the guard and written only when the answer changes.
struct alignas(64) AppliedFlag {
  std::atomic<std::uint64_t> applied_epoch{0};

  bool holds() const {
    return applied_epoch.load(std::memory_order_acquire) ==
           g_cache_epoch.load(std::memory_order_acquire);
  }
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_INTERNAL_CACHE_EPOCH_H_
