#include <algorithm>

#include "context.h"
#include "progress_display.h"
#include "string_building.h"

namespace massmigration::cli::internal {
namespace {

constexpr std::string_view kUnknown = "UNKNOWN";

StatusReport build_report(Context& ctx, const std::optional<std::string>& database,
                          const std::optional<std::string>& app) {
  StatusReport report = status_report(selected_migrations(app), selected_aliases(database));
  for (const DatabaseRecords& records : report.databases) warn_ignored(ctx, records);
  return report;
}

// Why cells say UNKNOWN: a database that could not be read, or a migration's invalid row.
void report_unreadable(Context& ctx, const StatusReport& report) {
  for (size_t d = 0; d < report.databases.size(); ++d) {
    const DatabaseRecords& database = report.databases[d];
    if (database.error) {
      ctx.err << ctx.program << ": cannot read the records of " << database.alias << ": "
              << *database.error << "\n";
      continue;
    }
    for (size_t m = 0; m < report.migrations.size(); ++m) {
      auto it = database.invalid.find(report.migrations[m]->key().str());
      if (it == database.invalid.end() || report.cells[m][d] != kUnknown) continue;
      ctx.err << ctx.program << ": " << it->first << " on " << database.alias
              << " is UNKNOWN: " << it->second << "\n";
    }
  }
}

}  // namespace

int print_status_table(Context& ctx, const std::optional<std::string>& database,
                       const std::optional<std::string>& app) {
  const StatusReport report = build_report(ctx, database, app);
  size_t key_width = std::string_view("MIGRATION").size();
  for (const Migration* m : report.migrations) {
    key_width = std::max(key_width, m->key().str().size());
  }
  std::vector<std::string> aliases;
  std::vector<size_t> widths;
  for (const DatabaseRecords& database : report.databases) {
    aliases.push_back(database.alias);
    widths.push_back(std::max(database.alias.size(), kNotAllowed.size()));
  }
  // Columns padded to their widths; the last one is not, so lines carry no trailing blanks.
  auto print_row = [&](const std::string& first, const std::vector<std::string>& cells) {
    std::string line = first + std::string(key_width - first.size(), ' ');
    for (size_t d = 0; d < cells.size(); ++d) {
      line += "  " + cells[d];
      if (d + 1 < cells.size()) line += std::string(widths[d] - cells[d].size(), ' ');
    }
    ctx.out << line << "\n";
  };
  print_row("MIGRATION", aliases);
  for (size_t m = 0; m < report.migrations.size(); ++m) {
    print_row(report.migrations[m]->key().str(), report.cells[m]);
  }
  // How far mappers got, where they ran.
  for (const Migration* m : report.migrations) {
    if (m->type() != MigrationType::kMapper) continue;
    for (const DatabaseRecords& database : report.databases) {
      const MigrationRecord* record = database.record(m->key());
      if (!record) continue;
      ctx.out << "PROGRESS " << record->key.str() << " on " << database.alias << ": "
              << record->rows_done;
      if (record->rows_total) {
        ctx.out << "/" << *record->rows_total << " rows ("
                << (*record->rows_total > 0 ? record->rows_done * 100 / *record->rows_total : 100)
                << "%)";
      } else {
        ctx.out << " rows";
      }
      ctx.out << " " << to_string(record->status());
      if (const auto left = record->time_left(database.lease)) {
        ctx.out << ", ETA " << duration_text(static_cast<double>(left->count()));
      }
      ctx.out << "\n";
    }
  }
  // What went wrong, where it did.
  for (size_t m = 0; m < report.migrations.size(); ++m) {
    for (size_t d = 0; d < report.databases.size(); ++d) {
      if (report.cells[m][d] != to_string(MigrationStatus::kErrored)) continue;
      const MigrationRecord* record = report.databases[d].record(report.migrations[m]->key());
      ctx.out << "ERRORED " << record->key.str() << " on " << report.databases[d].alias << ": "
              << record->last_error << "\n";
    }
  }
  report_unreadable(ctx, report);
  return report.unreadable ? kFailed : kOk;
}

int showmigrations(Context& ctx, const std::vector<std::string>& args) {
  Args parsed(args, {"database", "app", "format"}, {});
  parsed.expect_positional({});
  std::string format = parsed.option("format").value_or("table");
  if (format == "table")
    return print_status_table(ctx, parsed.option("database"), parsed.option("app"));
  if (format != "json") {
    throw UsageError(strings::cat("unknown format \"", format, "\" (table or json)"));
  }
  const StatusReport report = build_report(ctx, parsed.option("database"), parsed.option("app"));
  ctx.out << status_json(report);
  report_unreadable(ctx, report);
  return report.unreadable ? kFailed : kOk;
}

}  // namespace massmigration::cli::internal
