#include "massmigration/check.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_join.h"
#include "guards/requirement.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "model/installation.h"
#include "model/mapper_plan.h"
#include "model/registry_internal.h"
#include "string_building.h"

namespace massmigration {
namespace {

std::string migration_site(const Migration& migration) {
  return strings::cat("migration ", migration.key().str(), " (",
                      internal::registration_site(migration.key()), ")");
}

// Dependencies of each migration that are well formed; problems for the rest.
std::map<MigrationKey, std::vector<MigrationKey>> dependency_graph(
    const std::vector<const Migration*>& all, std::vector<CheckProblem>& problems) {
  std::map<MigrationKey, std::vector<MigrationKey>> graph;
  for (const Migration* migration : all) {
    std::vector<MigrationKey>& edges = graph[migration->key()];
    try {
      for (const MigrationKey& dependency : migration->dependencies()) {
        if (!find_migration(dependency)) {
          problems.push_back(
              {migration_site(*migration), strings::cat("depends on ", dependency.str(),
                                                        ", which is not a registered migration")});
          continue;
        }
        edges.push_back(dependency);
      }
    } catch (const MigrationError& e) {
      problems.push_back({migration_site(*migration), strings::cat("dependencies: ", e.what())});
    }
  }
  return graph;
}

// Reports each cycle once, as the path that closes it.
void find_cycles(const std::map<MigrationKey, std::vector<MigrationKey>>& graph,
                 std::vector<CheckProblem>& problems) {
  enum class Mark { kUnseen, kOnPath, kDone };
  std::map<MigrationKey, Mark> marks;
  std::vector<MigrationKey> path;
  auto visit = [&](auto&& self, const MigrationKey& key) -> void {
    marks[key] = Mark::kOnPath;
    path.push_back(key);
    for (const MigrationKey& next : graph.at(key)) {
      Mark mark = marks.contains(next) ? marks[next] : Mark::kUnseen;
      if (mark == Mark::kUnseen) {
        self(self, next);
      } else if (mark == Mark::kOnPath) {
        auto start = std::find(path.begin(), path.end(), next);
        std::vector<std::string> cycle;
        for (auto it = start; it != path.end(); ++it) cycle.push_back(it->str());
        cycle.push_back(next.str());
        problems.push_back({strings::cat("migration ", next.str()),
                            strings::cat("dependency cycle: ", absl::StrJoin(cycle, " -> "))});
      }
    }
    path.pop_back();
    marks[key] = Mark::kDone;
  };
  for (const auto& [key, edges] : graph) {
    if (!marks.contains(key)) visit(visit, key);
  }
}

}  // namespace

std::vector<CheckProblem> check() {
  std::vector<CheckProblem> problems = internal::registration_problems();
  std::vector<const Migration*> all = get_all_migrations();
  find_cycles(dependency_graph(all, problems), problems);

  std::shared_ptr<const internal::Installation> installation = internal::current_installation();
  if (!installation) {
    problems.push_back({"configuration", "massmigration::configure() has not been called"});
    return problems;
  }
  for (const std::string& alias : installation->aliases()) {
    if (auto problem = installation->database(alias)->problem()) {
      problems.push_back({strings::cat("database ", alias), *std::move(problem)});
    }
  }
  for (const Migration* migration : all) {
    if (auto allowed = migration->allowed_db_aliases()) {
      for (const std::string& alias : *allowed) {
        if (!installation->database(alias)) {
          problems.push_back(
              {migration_site(*migration),
               strings::cat("allowed_db_aliases names \"", alias, "\", which is not configured")});
        }
      }
    }
    if (migration->type() == MigrationType::kMapper) {
      for (const std::string& alias : installation->effective_aliases(*migration)) {
        try {
          internal::plan_mapper(static_cast<const MapperMigration&>(*migration), alias,
                                migration->backend_params());
        } catch (const MigrationError& e) {
          problems.push_back(
              {migration_site(*migration), strings::cat("on ", alias, ": ", e.what())});
        }
      }
    }
    if (installation->effective_aliases(*migration).empty()) {
      problems.push_back({migration_site(*migration),
                          "may run on no configured database (allowed_db_aliases and routing "
                          "exclude every alias)"});
    }
  }
  for (const auto& route : installation->config().routing) {
    // Not a structured binding: Clang 14 cannot capture one in a lambda.
    const std::string& app = route.first;
    bool has_migrations = std::any_of(
        all.begin(), all.end(), [&](const Migration* m) { return m->key().app_label() == app; });
    if (!has_migrations) {
      problems.push_back(
          {strings::cat("routing ", app),
           strings::cat("routes app \"", app, "\", which has no registered migrations (a typo?)")});
    }
  }
  for (const auto& requirement : internal::live_requirements()) {
    if (auto problem = requirement->problem()) problems.push_back(*std::move(problem));
  }
  return problems;
}

}  // namespace massmigration
