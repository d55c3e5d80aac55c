// The benchmarks' reporter: Google Benchmark's console table, then the program's goals as
// ratios computed from this same run (the machine is shared, so only ratios compare).
#ifndef MASSMIGRATION_BENCH_GOAL_REPORTER_H_
#define MASSMIGRATION_BENCH_GOAL_REPORTER_H_

#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace massmigration::bench {

struct Results {
  // By benchmark name without "/iterations:N": adjusted real time (ns), items/s, and every
  // user counter by its name.
  std::map<std::string, double> real_ns;
  std::map<std::string, double> items_per_second;
  std::map<std::string, std::map<std::string, double>> counters;
  double ns(const std::string& name) const { return find(real_ns, name); }
  double rate(const std::string& name) const { return find(items_per_second, name); }
  double counter(const std::string& name, const std::string& counter_name) const {
    auto it = counters.find(name);
    return it == counters.end() ? 0 : find(it->second, counter_name);
  }

 private:
  static double find(const std::map<std::string, double>& m, const std::string& name) {
    auto it = m.find(name);
    return it == m.end() ? 0 : it->second;
  }
};

class GoalReporter : public benchmark::ConsoleReporter {
 public:
  explicit GoalReporter(std::function<void(const Results&)> print_goals)
      : print_goals_(std::move(print_goals)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      std::string name = run.benchmark_name();
      if (run.run_type == Run::RT_Aggregate) {
        // With repetitions, the goals use the medians.
        if (run.aggregate_name != "median") continue;
        name = name.substr(0, name.rfind("_median"));
      } else if (has_median_.contains(name)) {
        continue;
      }
      name = name.substr(0, name.find("/iterations:"));
      name = name.substr(0, name.find("/repeats:"));
      if (run.run_type == Run::RT_Aggregate) has_median_.insert(run.benchmark_name());
      results_.real_ns[name] = run.GetAdjustedRealTime();
      if (auto it = run.counters.find("items_per_second"); it != run.counters.end()) {
        results_.items_per_second[name] = it->second.value;
      }
      for (const auto& [counter_name, counter] : run.counters) {
        results_.counters[name][counter_name] = counter.value;
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nGoals (from this run):\n");
    print_goals_(results_);
  }

 private:
  std::function<void(const Results&)> print_goals_;
  Results results_;
  std::set<std::string> has_median_;
};

// Initializes Google Benchmark to run `repetitions` repetitions in random order, reported by
// their aggregates: the goals then compare medians of a baseline and a measured benchmark that
// saw the same machine, whatever else it was doing. Flags on the command line win.
inline void initialize_interleaved(int argc, char** argv, int repetitions) {
  std::vector<std::string> defaults = {
      "--benchmark_repetitions=" + std::to_string(repetitions),
      "--benchmark_enable_random_interleaving=true", "--benchmark_report_aggregates_only=true"};
  std::vector<char*> args{argv[0]};
  for (std::string& flag : defaults) args.push_back(flag.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
}

}  // namespace massmigration::bench

#endif  // MASSMIGRATION_BENCH_GOAL_REPORTER_H_
