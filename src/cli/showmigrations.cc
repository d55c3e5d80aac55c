#include <algorithm>

#include "context.h"
#include "json.h"
#include "progress_display.h"
#include "string_building.h"

namespace massmigration::cli::internal {
namespace {

constexpr std::string_view kNotAllowed = "NOT_ALLOWED";
constexpr std::string_view kUnknown = "UNKNOWN";

struct StatusGrid {
  std::vector<std::string> aliases;
  std::vector<const Migration*> migrations;
  std::vector<AliasRecords> records;            // per alias
  std::vector<std::vector<std::string>> cells;  // [migration][alias]
  bool unreadable = false;
};

StatusGrid build_grid(Context& ctx, const std::optional<std::string>& database,
                      const std::optional<std::string>& app) {
  StatusGrid grid;
  grid.aliases = selected_aliases(database);
  grid.migrations = selected_migrations(app);
  std::sort(grid.migrations.begin(), grid.migrations.end(),
            [](const Migration* a, const Migration* b) { return a->key() < b->key(); });
  for (const std::string& alias : grid.aliases) {
    grid.records.push_back(read_records(ctx, alias));
    grid.unreadable |= grid.records.back().error.has_value();
  }
  for (const Migration* m : grid.migrations) {
    std::vector<std::string>& row = grid.cells.emplace_back();
    for (size_t a = 0; a < grid.aliases.size(); ++a) {
      if (!runs_on(*m, grid.aliases[a])) {
        row.emplace_back(kNotAllowed);
      } else if (grid.records[a].error) {
        row.emplace_back(kUnknown);
      } else {
        const MigrationStatus status = grid.records[a].status(m->key());
        grid.unreadable |= status == MigrationStatus::kUnknown;
        row.emplace_back(to_string(status));
      }
    }
  }
  return grid;
}

// Why cells say UNKNOWN: a database that could not be read, or a migration's invalid row.
void report_unreadable(Context& ctx, const StatusGrid& grid) {
  for (size_t a = 0; a < grid.aliases.size(); ++a) {
    if (grid.records[a].error) {
      ctx.err << ctx.program << ": cannot read the records of " << grid.aliases[a] << ": "
              << *grid.records[a].error << "\n";
      continue;
    }
    for (const Migration* m : grid.migrations) {
      auto it = grid.records[a].invalid.find(m->key().str());
      if (it == grid.records[a].invalid.end() || !runs_on(*m, grid.aliases[a])) continue;
      ctx.err << ctx.program << ": " << m->key().str() << " on " << grid.aliases[a]
              << " is UNKNOWN: " << it->second << "\n";
    }
  }
}

// `, "errors": {"alias": "last_error", ...}` for the aliases where migration `i` is ERRORED;
// nothing when it is nowhere.
void print_json_errors(Context& ctx, const StatusGrid& grid, size_t i) {
  bool first = true;
  for (size_t a = 0; a < grid.aliases.size(); ++a) {
    if (grid.cells[i][a] != "ERRORED") continue;
    const MigrationRecord& record = grid.records[a].by_key.at(grid.migrations[i]->key().str());
    ctx.out << (first ? ", \"errors\": {" : ", ") << json_string(grid.aliases[a]) << ": "
            << json_string(record.last_error);
    first = false;
  }
  if (!first) ctx.out << "}";
}

std::string json_time(const std::optional<Timestamp>& time) {
  return time ? json_string(format_timestamp(*time)) : "null";
}

// `, "NAME": {"alias": VALUE, ...}` over the aliases where migration `i` has a record, each
// VALUE written by `value(record, lease)`. With no such alias: `, "NAME": {}` when `always`, else
// nothing.
template <typename Fn>
void print_json_by_alias(Context& ctx, const StatusGrid& grid, size_t i, std::string_view name,
                         bool always, Fn value) {
  bool first = true;
  for (size_t a = 0; a < grid.aliases.size(); ++a) {
    auto it = grid.records[a].by_key.find(grid.migrations[i]->key().str());
    if (it == grid.records[a].by_key.end()) continue;
    ctx.out << (first ? strings::cat(", \"", name, "\": {") : std::string(", "))
            << json_string(grid.aliases[a]) << ": ";
    value(it->second, grid.records[a].lease);
    first = false;
  }
  if (!first) {
    ctx.out << "}";
  } else if (always) {
    ctx.out << ", \"" << name << "\": {}";
  }
}

// `, "details": {"alias": {"attempt_uuid": ..., "owner": ..., ...}, ...}` where migration `i`
// has a record.
void print_json_details(Context& ctx, const StatusGrid& grid, size_t i) {
  auto details = [&](const MigrationRecord& r, std::chrono::milliseconds lease) {
    const std::optional<std::chrono::seconds> left = r.time_left(lease);
    ctx.out << "{\"attempt_uuid\": " << json_string(r.attempt_uuid)
            << ", \"owner\": " << json_string(r.owner)
            << ", \"initiated_at\": " << json_time(r.initiated_at)
            << ", \"heartbeat_at\": " << json_time(r.heartbeat_at)
            << ", \"applied_at\": " << json_time(r.applied_at)
            << ", \"last_error\": " << json_string(r.last_error)
            << ", \"eta_seconds\": " << (left ? std::to_string(left->count()) : "null") << "}";
  };
  print_json_by_alias(ctx, grid, i, "details", false, details);
}

// `, "progress": {"alias": {"done": N, "total": M}, ...}` of a mapper migration `i`.
void print_json_progress(Context& ctx, const StatusGrid& grid, size_t i) {
  auto progress = [&](const MigrationRecord& r, std::chrono::milliseconds) {
    ctx.out << "{\"done\": " << r.rows_done
            << ", \"total\": " << (r.rows_total ? std::to_string(*r.rows_total) : "null") << "}";
  };
  print_json_by_alias(ctx, grid, i, "progress", true, progress);
}

}  // namespace

int print_status_table(Context& ctx, const std::optional<std::string>& database,
                       const std::optional<std::string>& app) {
  StatusGrid grid = build_grid(ctx, database, app);
  size_t key_width = std::string_view("MIGRATION").size();
  for (const Migration* m : grid.migrations) key_width = std::max(key_width, m->key().str().size());
  std::vector<size_t> widths;
  for (size_t a = 0; a < grid.aliases.size(); ++a) {
    size_t width = std::max(grid.aliases[a].size(), kNotAllowed.size());
    widths.push_back(width);
  }
  // Columns padded to their widths; the last one is not, so lines carry no trailing blanks.
  auto print_row = [&](const std::string& first, const std::vector<std::string>& cells) {
    std::string line = first + std::string(key_width - first.size(), ' ');
    for (size_t a = 0; a < cells.size(); ++a) {
      line += "  " + cells[a];
      if (a + 1 < cells.size()) line += std::string(widths[a] - cells[a].size(), ' ');
    }
    ctx.out << line << "\n";
  };
  print_row("MIGRATION", grid.aliases);
  for (size_t i = 0; i < grid.migrations.size(); ++i) {
    print_row(grid.migrations[i]->key().str(), grid.cells[i]);
  }
  // How far mappers got, where they ran.
  for (size_t i = 0; i < grid.migrations.size(); ++i) {
    if (grid.migrations[i]->type() != MigrationType::kMapper) continue;
    for (size_t a = 0; a < grid.aliases.size(); ++a) {
      auto it = grid.records[a].by_key.find(grid.migrations[i]->key().str());
      if (it == grid.records[a].by_key.end()) continue;
      const MigrationRecord& record = it->second;
      ctx.out << "PROGRESS " << record.key.str() << " on " << grid.aliases[a] << ": "
              << record.rows_done;
      if (record.rows_total) {
        ctx.out << "/" << *record.rows_total << " rows ("
                << (*record.rows_total > 0 ? record.rows_done * 100 / *record.rows_total : 100)
                << "%)";
      } else {
        ctx.out << " rows";
      }
      ctx.out << " " << to_string(record.status());
      if (const auto left = record.time_left(grid.records[a].lease)) {
        ctx.out << ", ETA " << duration_text(static_cast<double>(left->count()));
      }
      ctx.out << "\n";
    }
  }
  // What went wrong, where it did.
  for (size_t i = 0; i < grid.migrations.size(); ++i) {
    for (size_t a = 0; a < grid.aliases.size(); ++a) {
      if (grid.cells[i][a] != "ERRORED") continue;
      const MigrationRecord& record = grid.records[a].by_key.at(grid.migrations[i]->key().str());
      ctx.out << "ERRORED " << record.key.str() << " on " << grid.aliases[a] << ": "
              << record.last_error << "\n";
    }
  }
  report_unreadable(ctx, grid);
  return grid.unreadable ? kFailed : kOk;
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
  StatusGrid grid = build_grid(ctx, parsed.option("database"), parsed.option("app"));
  ctx.out << "[";
  for (size_t i = 0; i < grid.migrations.size(); ++i) {
    const MigrationKey& key = grid.migrations[i]->key();
    ctx.out << (i == 0 ? "\n  " : ",\n  ") << "{\"key\": " << json_string(key.str())
            << ", \"app\": " << json_string(key.app_label())
            << ", \"name\": " << json_string(key.migration_id()) << ", \"databases\": {";
    for (size_t a = 0; a < grid.aliases.size(); ++a) {
      ctx.out << (a == 0 ? "" : ", ") << json_string(grid.aliases[a]) << ": "
              << json_string(grid.cells[i][a]);
    }
    ctx.out << "}";
    if (grid.migrations[i]->type() == MigrationType::kMapper) print_json_progress(ctx, grid, i);
    print_json_details(ctx, grid, i);
    print_json_errors(ctx, grid, i);
    ctx.out << "}";
  }
  ctx.out << (grid.migrations.empty() ? "]\n" : "\n]\n");
  report_unreadable(ctx, grid);
  return grid.unreadable ? kFailed : kOk;
}

}  // namespace massmigration::cli::internal
