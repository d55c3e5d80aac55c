// pause / cancel / tune / finish / history: controlling one migration's run on one database.
#include <algorithm>
#include <charconv>

#include "absl/strings/str_format.h"
#include "context.h"
#include "json_text.h"
#include "massmigration/api.h"
#include "massmigration/errors.h"
#include "progress_display.h"
#include "string_building.h"

namespace massmigration::cli::internal {
namespace {

using massmigration::internal::json_string;

// Runs `action`; a refusal or a database that cannot answer is reported as a failure.
template <typename Fn>
int reported(Context& ctx, Fn action) {
  try {
    return action();
  } catch (const MigrationError& e) {
    ctx.err << ctx.program << ": " << e.what() << "\n";
    return kFailed;
  }
}

int control(Context& ctx, const std::vector<std::string>& args, bool cancel) {
  const Target target = parse_target(args);
  return reported(ctx, [&] {
    const api::ControlOptions options{.actor = operator_name()};
    const MigrationStatus status = cancel ? api::cancel_migration(target.key, target.alias, options)
                                          : api::pause_migration(target.key, target.alias, options);
    ctx.out << to_string(status) << " " << target.key.str() << " on " << target.alias;
    if (status == MigrationStatus::kPausing || status == MigrationStatus::kCancelling) {
      ctx.out << " (its run stops after its current chunk)";
    }
    ctx.out << "\n";
    return kOk;
  });
}

std::optional<std::chrono::milliseconds> timeout_option(const Args& parsed) {
  std::optional<std::string> text = parsed.option("timeout");
  if (!text) return std::nullopt;
  double seconds = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), seconds);
  // Up to a year: enough for any deploy, and far from overflowing the clock.
  if (error != std::errc() || end != text->data() + text->size() || !(seconds >= 0) ||
      seconds > 365.0 * 24 * 3600) {
    throw UsageError(
        strings::cat("--timeout needs seconds from 0 to a year (31536000), not \"", *text, "\""));
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

std::string progress_text(const MigrationRecord& record) {
  return record.rows_total ? strings::cat(record.rows_done, "/", *record.rows_total, " rows")
                           : strings::cat(record.rows_done, " rows");
}

}  // namespace

int pause_one(Context& ctx, const std::vector<std::string>& args) {
  return control(ctx, args, /*cancel=*/false);
}

int cancel_one(Context& ctx, const std::vector<std::string>& args) {
  return control(ctx, args, /*cancel=*/true);
}

int tune_one(Context& ctx, const std::vector<std::string>& args) {
  const Args parsed(args, {"database", "chunk-size", "pause-ms"}, {});
  const Target target = parse_target(parsed);
  RunTuning tuning;
  if (parsed.option("chunk-size")) tuning.chunk_size = parsed.number("chunk-size", 1);
  if (parsed.option("pause-ms")) tuning.pause_ms = parsed.number("pause-ms", 0);
  if (!tuning.chunk_size && !tuning.pause_ms) {
    throw UsageError("nothing to change: give --chunk-size N, --pause-ms M or both");
  }
  return reported(ctx, [&] {
    const MigrationStatus status =
        api::tune_migration(target.key, target.alias, tuning, {.actor = operator_name()});
    ctx.out << "TUNED " << target.key.str() << " on " << target.alias << " (" << to_string(status);
    if (tuning.chunk_size) ctx.out << "; chunk size " << *tuning.chunk_size;
    if (tuning.pause_ms) ctx.out << "; pause " << *tuning.pause_ms << " ms";
    ctx.out << ", from its next chunk)\n";
    return kOk;
  });
}

int finish_one(Context& ctx, const std::vector<std::string>& args) {
  const Args parsed(args, {"database", "timeout"}, {});
  const Target target = parse_target(parsed);
  const std::optional<std::chrono::milliseconds> timeout = timeout_option(parsed);
  return reported(ctx, [&] {
    ProgressDisplay display(ctx.out, ctx.terminal);
    api::finish_migration(target.key, target.alias,
                          {.timeout = timeout,
                           .on_wait =
                               [&](const MigrationRecord& record) {
                                 ctx.out
                                     << "WAITING for " << target.key.str() << " on " << target.alias
                                     << " (" << to_string(record.status()) << ", "
                                     << (record.owner.empty() ? "an unnamed process" : record.owner)
                                     << ", " << progress_text(record) << ")\n";
                                 ctx.out.flush();
                               },
                           .actor = operator_name()});
    ctx.out << "APPLIED " << target.key.str() << " on " << target.alias << "\n";
    return kOk;
  });
}

int history(Context& ctx, const std::vector<std::string>& args) {
  const Args parsed(args, {"database", "format"}, {});
  parsed.expect_positional({"KEY"});
  const std::string format = parsed.option("format").value_or("table");
  if (format != "table" && format != "json") {
    throw UsageError("--format is table or json, not \"" + format + "\"");
  }
  const MigrationKey key = parse_key(parsed.positional()[0]);
  const std::vector<std::string> aliases = selected_aliases(parsed.option("database"));
  bool failed = false;
  std::vector<MigrationEvent> events;
  for (const std::string& alias : aliases) {
    try {
      std::vector<MigrationEvent> more = api::migration_history(key, alias);
      events.insert(events.end(), more.begin(), more.end());
    } catch (const MigrationError& e) {
      ctx.err << ctx.program << ": " << e.what() << "\n";
      failed = true;
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const MigrationEvent& a, const MigrationEvent& b) { return a.at < b.at; });
  if (format == "json") {
    ctx.out << "[";
    for (size_t i = 0; i < events.size(); ++i) {
      const MigrationEvent& e = events[i];
      ctx.out << (i ? ",\n " : "") << "{\"key\": " << json_string(e.key.str())
              << ", \"alias\": " << json_string(e.alias)
              << ", \"attempt_uuid\": " << json_string(e.attempt_uuid)
              << ", \"action\": " << json_string(e.action)
              << ", \"actor\": " << json_string(e.actor)
              << ", \"at\": " << json_string(format_timestamp(e.at))
              << ", \"detail\": " << json_string(e.detail) << "}";
    }
    ctx.out << "]\n";
  } else if (events.empty()) {
    ctx.out << "No history for " << key.str() << "\n";
  } else {
    for (const MigrationEvent& e : events) {
      ctx.out << absl::StrFormat("%s  %-10s %-9s %s  by %s", format_timestamp(e.at), e.alias,
                                 e.action, e.attempt_uuid.empty() ? "-" : e.attempt_uuid, e.actor);
      if (!e.detail.empty()) ctx.out << "  (" << e.detail << ")";
      ctx.out << "\n";
    }
  }
  return failed ? kFailed : kOk;
}

}  // namespace massmigration::cli::internal
