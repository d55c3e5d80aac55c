#include "massmigration/log.h"

#include <cstdio>

#include "absl/base/thread_annotations.h"
#include "mutex.h"

namespace massmigration {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "log";
}

struct SinkSlot {
  Mutex mu;
  LogSink sink ABSL_GUARDED_BY(mu);
};

SinkSlot& slot() {
  static SinkSlot* s = new SinkSlot;  // never destroyed: logging may happen during exit
  return *s;
}

}  // namespace

LogSink set_log_sink(LogSink sink) {
  MutexLock lock(&slot().mu);
  std::swap(slot().sink, sink);
  return sink;
}

void log(LogLevel level, std::string_view message) {
  LogSink sink;
  {
    MutexLock lock(&slot().mu);
    sink = slot().sink;
  }
  if (sink) {
    sink(level, message);
    return;
  }
  std::fprintf(stderr, "massmigration %.*s: %.*s\n", static_cast<int>(level_name(level).size()),
               level_name(level).data(), static_cast<int>(message.size()), message.data());
}

}  // namespace massmigration
