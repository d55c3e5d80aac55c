// Where massmigration reports what it refused or could not do. Default: one line on stderr.
//
// Thread safety: log() may be called from any thread; set_log_sink() may race with it.
#ifndef MASSMIGRATION_LOG_H_
#define MASSMIGRATION_LOG_H_

#include <functional>
#include <string_view>

namespace massmigration {

enum class LogLevel { kInfo, kWarning, kError };

using LogSink = std::function<void(LogLevel level, std::string_view message)>;

// Replaces the sink; an empty sink restores the default. Returns the previous sink.
LogSink set_log_sink(LogSink sink);
void log(LogLevel level, std::string_view message);

}  // namespace massmigration

#endif  // MASSMIGRATION_LOG_H_
