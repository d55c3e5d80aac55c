// Where a timestamp that code under test took from the wall clock (system_clock, as records
// do) may lie, given readings before and after the code ran. The wall clock may step, even
// back (an administrator, NTP): its elapsed time is compared with the steady clock's, and a
// window with one step in it is widened by that step, so that a test does not fail only
// because the clock was set while it ran.
#ifndef MASSMIGRATION_TESTS_SUPPORT_WALL_CLOCK_WINDOW_H_
#define MASSMIGRATION_TESTS_SUPPORT_WALL_CLOCK_WINDOW_H_

#include <algorithm>
#include <chrono>

namespace massmigration::test {

class WallClockWindow {
 public:
  using Wall = std::chrono::system_clock;

  WallClockWindow() : steady_begin_(std::chrono::steady_clock::now()), wall_begin_(Wall::now()) {}

  // Ends the window; call once, after the code under test.
  void close() {
    wall_end_ = Wall::now();
    steady_end_ = std::chrono::steady_clock::now();
  }

  // How far the wall clock was set during the window (zero when it only ran, allowing for
  // NTP's slewing of at most 0.05% and the precision of the readings).
  std::chrono::nanoseconds step() const {
    const std::chrono::nanoseconds steady = steady_end_ - steady_begin_;
    const std::chrono::nanoseconds set = (wall_end_ - wall_begin_) - steady;
    const std::chrono::nanoseconds noise = std::chrono::milliseconds(1) + steady / 2000;
    return set < -noise || set > noise ? set : std::chrono::nanoseconds(0);
  }

  // True when `t` may be a reading of the wall clock taken inside the window, at the precision
  // of `t` (readings are truncated, so the window begins at its first reading, truncated).
  template <typename Duration>
  bool contains(std::chrono::time_point<Wall, Duration> t) const {
    const auto s = step();
    const auto low = std::chrono::time_point_cast<Duration>(wall_begin_ + std::min(s, {}));
    const auto high = wall_end_ - std::min(s, {});  // a step back lets readings exceed the end
    return low <= t && t <= high;
  }

 private:
  std::chrono::steady_clock::time_point steady_begin_, steady_end_;
  Wall::time_point wall_begin_, wall_end_;
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_WALL_CLOCK_WINDOW_H_
