// The management command line (target massmigration::cli). An application links its migrations
// into a small program whose main() is
//
//   int main(int argc, char** argv) { return massmigration::cli::main(argc, argv); }
//
// and gets: showmigrations, migrate_all, migrator, run, fake, delete, makemassmigration, check
// (see `PROGRAM --help`). Applications may add commands of their own.
//
// Configuration: --config FILE, else $MASSMIGRATION_CONFIG, else ./massmigration.toml, else
// whatever the program installed with configure() before calling main().
//
// Exit status: 0 success; 1 something failed (a migration, a check, a database that could not
// answer); 2 bad usage or configuration, with nothing changed.
#ifndef MASSMIGRATION_CLI_H_
#define MASSMIGRATION_CLI_H_

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace massmigration::cli {

// An application command: `PROGRAM name args...`. `run` gets the arguments after the name and
// returns the exit status. Configuration is installed before it runs.
struct Command {
  std::string name;
  std::string summary;  // one line, for --help
  std::function<int(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)>
      run;
};

struct Options {
  std::vector<Command> commands;
};

// Runs the command line with the process's standard streams.
int main(int argc, char** argv, const Options& options = {});

// The same with explicit arguments (without the program name) and streams, for tests and for
// programs that embed the command line. `program` names the program in messages.
int run(const std::string& program, const std::vector<std::string>& args, std::istream& in,
        std::ostream& out, std::ostream& err, const Options& options = {});

}  // namespace massmigration::cli

#endif  // MASSMIGRATION_CLI_H_
