#include "progress_display.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "string_building.h"

namespace massmigration::cli::internal {
namespace {

constexpr auto kPlainEvery = std::chrono::seconds(2);
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
constexpr int kBarWidth = 24;

}  // namespace

std::string duration_text(double seconds) {
  if (seconds < 60) return absl::StrFormat("%.0fs", seconds);
  if (seconds < 3600)
    return absl::StrFormat("%.0fm%02.0fs", std::floor(seconds / 60), std::fmod(seconds, 60));
  return absl::StrFormat("%.0fh%02.0fm", std::floor(seconds / 3600), std::fmod(seconds / 60, 60));
}

std::string ProgressDisplay::describe(const MigrationProgress& p, double seconds, bool bar) {
  std::string text;
  const double rate = seconds > 0 ? p.rows_this_attempt / seconds : 0;
  if (p.rows_total && *p.rows_total > 0) {
    const double fraction = std::min(1.0, static_cast<double>(p.rows_done) / *p.rows_total);
    if (bar) {
      const int filled = static_cast<int>(fraction * kBarWidth);
      // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict) about chained operator+.
      text.append("[").append(filled, '#').append(kBarWidth - filled, '-').append("] ");
    }
    text += absl::StrFormat("%d/%d rows (%.0f%%)", p.rows_done, *p.rows_total, fraction * 100);
  } else {
    text += absl::StrFormat("%d rows", p.rows_done);
  }
  if (rate > 0) {
    text += absl::StrFormat(", %.0f rows/s", rate);
    if (!p.finished && p.rows_total && *p.rows_total > p.rows_done) {
      text += ", ETA " + duration_text((*p.rows_total - p.rows_done) / rate);
    }
  }
  return text;
}

ProgressDisplay::ProgressDisplay(std::ostream& out, bool terminal)
    : out_(out), terminal_(terminal) {
  // The program's own listener still hears every run.
  previous_ = set_progress_listener([this](const MigrationProgress& p) {
    on(p);
    if (previous_) previous_(p);
  });
}

ProgressDisplay::~ProgressDisplay() { set_progress_listener(previous_); }

void ProgressDisplay::on(const MigrationProgress& p) {
  const std::string id = strings::cat(p.key.str(), " on ", p.alias);
  const Clock::time_point now = Clock::now();
  MutexLock lock(&mu_);
  auto [it, fresh] = runs_.try_emplace(id, Run{now, Clock::time_point()});
  Run& run = it->second;
  const double seconds = std::chrono::duration<double>(now - run.started).count();
  if (terminal_) {
    if (!p.finished && now - run.last_shown < kRedrawEvery) return;
    out_ << "\r  " << id << " " << describe(p, seconds, true) << "\x1b[K";
    run.last_shown = now;
    if (p.finished) {
      out_ << "\n";
      runs_.erase(it);
    }
    out_.flush();
    return;
  }
  if (!p.finished && !fresh && now - run.last_shown < kPlainEvery) return;
  if (!p.finished && fresh) {
    run.last_shown = now;  // the first chunk starts the clock; nothing worth printing yet
    return;
  }
  out_ << "  progress " << id << ": " << describe(p, seconds, false) << "\n";
  out_.flush();
  if (p.finished) {
    runs_.erase(it);
  } else {
    run.last_shown = now;
  }
}

}  // namespace massmigration::cli::internal
