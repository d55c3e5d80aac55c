#include "console/pages.h"

#include <algorithm>
#include <kainjow/mustache.hpp>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "console/templates.h"
#include "massmigration/api.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "string_building.h"

namespace massmigration::web::internal {
namespace {

namespace mustache = kainjow::mustache;
using mustache::data;

// Statuses in the order the counts list them.
constexpr std::string_view kCountedStatuses[] = {"NOT_RUN", "RUNNING",    "STALLED",   "PAUSING",
                                                 "PAUSED",  "CANCELLING", "CANCELLED", "ERRORED",
                                                 "APPLIED", "UNKNOWN"};

data text(std::string_view value) { return data(std::string(value)); }
// A string, or false when it is empty, so that {{#name}} shows only what there is.
data text_or_false(std::string_view value) { return value.empty() ? data(false) : text(value); }

std::string status_class(std::string_view status) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(strings::piece(status)), {{"_", "-"}});
}

bool is_live(std::string_view status) {
  return status == "RUNNING" || status == "PAUSING" || status == "CANCELLING";
}

std::string eta_text(std::chrono::seconds left) {
  const auto s = left.count();
  if (s >= 3600) return strings::cat("ETA ", s / 3600, "h ", (s % 3600) / 60, "m");
  if (s >= 60) return strings::cat("ETA ", s / 60, "m ", s % 60, "s");
  return strings::cat("ETA ", s, "s");
}

// ", N rows/s": how fast this attempt went from its start to its last heartbeat; empty before
// it has done a row.
std::string rate_text(const MigrationRecord& record) {
  if (!record.heartbeat_at) return {};
  const Timestamp start = record.attempt_started_at.value_or(record.initiated_at);
  const double seconds = std::chrono::duration<double>(*record.heartbeat_at - start).count();
  const std::int64_t rows = record.rows_done - record.rows_done_at_start;
  if (seconds <= 0 || rows <= 0) return {};
  return strings::cat(", ", static_cast<std::int64_t>(rows / seconds + 0.5), " rows/s");
}

// The cell of one migration on one database (MASSMIGRATION_CONSOLE_CELL in templates.cc).
data cell_data(const Migration& migration, const DatabaseRecords& database,
               const std::string& status) {
  data cell;
  cell.set("key", migration.key().str());
  cell.set("alias", database.alias);
  cell.set("status", status);
  cell.set("class", status_class(status));
  const MigrationRecord* record = database.record(migration.key());
  const bool progress = record && migration.type() == MigrationType::kMapper;
  cell.set("progress", progress);
  const std::int64_t done = record ? record->rows_done : 0;
  const std::int64_t total = record && record->rows_total ? *record->rows_total : 0;
  cell.set("done", std::to_string(done));
  cell.set("total", std::to_string(std::max<std::int64_t>(total, 1)));
  std::string figures;
  if (progress) {
    figures = record->rows_total ? strings::cat(done, "/", total, " rows (",
                                                total > 0 ? done * 100 / total : 100, "%)")
                                 : strings::cat(done, " rows");
  }
  if (progress && is_live(status)) strings::append(figures, rate_text(*record));
  cell.set("figures", figures);
  const auto left = record ? record->time_left(database.lease) : std::nullopt;
  cell.set("eta", left ? eta_text(*left) : std::string());
  return cell;
}

data string_list(const std::vector<std::string>& values) {
  data list(data::type::list);
  for (const std::string& value : values) list.push_back(text(value));
  return list;
}

data options(const std::vector<std::string>& names, const std::string& selected) {
  data list(data::type::list);
  for (const std::string& name : names) {
    data option;
    option.set("name", name);
    option.set("selected", name == selected);
    list.push_back(option);
  }
  return list;
}

std::vector<std::string> aliases_of(const StatusReport& report) {
  std::vector<std::string> aliases;
  for (const DatabaseRecords& database : report.databases) aliases.push_back(database.alias);
  return aliases;
}

std::string render(std::string_view template_text, const data& values) {
  mustache::mustache compiled{std::string(template_text)};
  return compiled.render(values);
}

std::string framed(const PageFrame& frame, const std::string& title, std::string_view content,
                   data values, bool live) {
  values.set("prefix", frame.prefix);
  data page;
  page.set("prefix", frame.prefix);
  page.set("title", title);
  page.set("refresh_ms", std::to_string(frame.refresh_interval.count()));
  page.set("live", live ? "true" : "false");
  page.set("has_user", frame.user.has_value());
  page.set("can_log_out", frame.can_log_out);
  page.set("user", frame.user.value_or(""));
  page.set("csrf_token", frame.csrf_token);
  values.set("csrf_token", frame.csrf_token);
  page.set("notice", text_or_false(frame.notice));
  page.set("content", render(content, values));
  return render(kLayoutTemplate, page);
}

data record_data(const MigrationRecord& record) {
  auto time = [](const std::optional<Timestamp>& t) {
    return t ? format_timestamp(*t) : std::string("-");
  };
  data fields;
  fields.set("attempt", record.attempt_uuid);
  fields.set("owner", record.owner.empty() ? "-" : record.owner);
  fields.set("started", format_timestamp(record.initiated_at));
  fields.set("heartbeat", time(record.heartbeat_at));
  fields.set("applied", time(record.applied_at));
  fields.set("faked", record.was_faked ? "yes" : "no");
  fields.set("rows", record.rows_total ? strings::cat(record.rows_done, " of ", *record.rows_total)
                                       : std::to_string(record.rows_done));
  return fields;
}

data actions_data(const std::string& status) {
  data list(data::type::list);
  for (Action action : kActions) {
    const std::optional<std::string> why = refusal(action, status);
    data entry;
    std::string label(action_name(action));
    label[0] = absl::ascii_toupper(label[0]);
    entry.set("name", std::string(action_name(action)));
    entry.set("label", label);
    entry.set("enabled", !why.has_value());
    entry.set("confirm", needs_confirmation(action));
    entry.set("reason", why.value_or(""));
    list.push_back(entry);
  }
  return list;
}

// Every event of the migration on every database it may run on, oldest first, and the
// databases whose trail could not be read.
void add_trail(data& values, const MigrationKey& key, const StatusReport& report) {
  std::vector<MigrationEvent> events;
  data errors(data::type::list);
  for (const DatabaseRecords& database : report.databases) {
    try {
      std::vector<MigrationEvent> more = api::migration_history(key, database.alias);
      events.insert(events.end(), more.begin(), more.end());
    } catch (const MigrationError& e) {
      data error;
      error.set("alias", database.alias);
      error.set("error", std::string(e.what()));
      errors.push_back(error);
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const MigrationEvent& a, const MigrationEvent& b) { return a.at < b.at; });
  data list(data::type::list);
  for (const MigrationEvent& event : events) {
    data row;
    row.set("at", format_timestamp(event.at));
    row.set("alias", event.alias);
    row.set("action", event.action);
    row.set("actor", event.actor);
    row.set("attempt", event.attempt_uuid);
    row.set("detail", event.detail);
    list.push_back(row);
  }
  values.set("events", list);
  values.set("trail_errors", errors);
}

}  // namespace

std::string index_page(const PageFrame& frame, const StatusReport& report,
                       const IndexFilter& filter, const std::vector<std::string>& all_apps,
                       const std::vector<std::string>& all_aliases) {
  std::map<std::string, int, std::less<>> counts;
  bool live = false;
  mustache::mustache row_template{std::string(kIndexRowTemplate)};
  std::string rows_html;
  for (size_t m = 0; m < report.migrations.size(); ++m) {
    const Migration& migration = *report.migrations[m];
    data row;
    row.set("prefix", frame.prefix);
    row.set("key", migration.key().str());
    row.set("description", migration.description());
    data cells(data::type::list);
    for (size_t d = 0; d < report.databases.size(); ++d) {
      const std::string& status = report.cells[m][d];
      ++counts[status];
      live |= is_live(status);
      cells.push_back(cell_data(migration, report.databases[d], status));
    }
    row.set("cells", cells);
    rows_html += row_template.render(row);
  }
  data count_list(data::type::list);
  for (std::string_view status : kCountedStatuses) {
    data count;
    count.set("status", std::string(status));
    count.set("class", status_class(status));
    auto it = counts.find(status);
    count.set("count", std::to_string(it == counts.end() ? 0 : it->second));
    count_list.push_back(count);
  }
  data errors(data::type::list);
  for (const DatabaseRecords& database : report.databases) {
    if (!database.error) continue;
    data error;
    error.set("alias", database.alias);
    error.set("error", *database.error);
    errors.push_back(error);
  }
  data values;
  values.set("rows_html", rows_html);
  values.set("has_rows", !report.migrations.empty());
  values.set("aliases", string_list(aliases_of(report)));
  values.set("counts", count_list);
  values.set("database_errors", errors);
  values.set("apps", options(all_apps, filter.app));
  values.set("database_options", options(all_aliases, filter.database));
  return framed(frame, "Migrations", kIndexTemplate, values, live);
}

std::string detail_page(const PageFrame& frame, const Migration& migration,
                        const StatusReport& report) {
  const size_t self = report.migrations.size() - 1;
  data values;
  values.set("key", migration.key().str());
  values.set("description", migration.description());
  values.set("type", std::string(to_string(migration.type())));
  values.set("backend", migration.backend().value_or(
                            strings::cat(current_config().default_backend, " (the default)")));
  data params(data::type::list);
  for (const auto& [name, value] : migration.backend_params()) {
    data param;
    param.set("name", name);
    param.set("value", value);
    params.push_back(param);
  }
  values.set("params", params);
  values.set("aliases", string_list(aliases_of(report)));
  data dependencies(data::type::list);
  for (size_t m = 0; m < self; ++m) {
    data row;
    row.set("key", report.migrations[m]->key().str());
    data cells(data::type::list);
    for (const std::string& status : report.cells[m]) {
      data cell;
      cell.set("status", status);
      cell.set("class", status_class(status));
      cells.push_back(cell);
    }
    row.set("cells", cells);
    dependencies.push_back(row);
  }
  values.set("has_dependencies", self > 0);
  values.set("dependencies", dependencies);
  bool live = false;
  data databases(data::type::list);
  for (size_t d = 0; d < report.databases.size(); ++d) {
    const DatabaseRecords& database = report.databases[d];
    const std::string& status = report.cells[self][d];
    live |= is_live(status);
    data entry = cell_data(migration, database, status);
    const MigrationRecord* record = database.record(migration.key());
    entry.set("record", record ? record_data(*record) : data(false));
    entry.set("last_error", text_or_false(record ? record->last_error : ""));
    std::string problem;
    if (database.error) problem = strings::cat("Cannot read the records: ", *database.error);
    auto invalid = database.invalid.find(migration.key().str());
    if (invalid != database.invalid.end()) problem = invalid->second;
    entry.set("problem", text_or_false(problem));
    entry.set("allowed", status != kNotAllowed);
    entry.set("actions", actions_data(status));
    databases.push_back(entry);
  }
  values.set("databases", databases);
  add_trail(values, migration.key(), report);
  return framed(frame, migration.key().str(), kDetailTemplate, values, live);
}

std::string confirm_page(const PageFrame& frame, Action action, const MigrationKey& key,
                         const std::string& alias, const std::string& status) {
  std::string label(action_name(action));
  label[0] = absl::ascii_toupper(label[0]);
  data values;
  values.set("label", label);
  values.set("name", std::string(action_name(action)));
  values.set("key", key.str());
  values.set("alias", alias);
  values.set("status", status);
  values.set("class", status_class(status));
  values.set("consequence", consequence(action, key, alias));
  return framed(frame, strings::cat(label, " ", key.str()), kConfirmTemplate, values, false);
}

std::string login_page(const PageFrame& frame, const std::string& error) {
  data values;
  values.set("error", text_or_false(error));
  return framed(frame, "Log in", kLoginTemplate, values, false);
}

std::string problem_page(const PageFrame& frame, const std::string& heading,
                         const std::string& message) {
  data values;
  values.set("heading", heading);
  values.set("message", message);
  return framed(frame, heading, kProblemTemplate, values, false);
}

}  // namespace massmigration::web::internal
