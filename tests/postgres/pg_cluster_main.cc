// pg_cluster start STATE | stop STATE: the throwaway PostgreSQL server of a test run (the
// ctest fixture "postgres"). start writes "DIRECTORY PORT URL" to STATE; stop reads it, stops
// the server and removes its directory.
#include <fstream>
#include <iostream>

#include "support/postgres_cluster.h"

namespace mmt = massmigration::test;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: pg_cluster start|stop STATE_FILE\n";
    return 2;
  }
  const std::string command = argv[1];
  const std::filesystem::path state = argv[2];
  try {
    if (command == "start") {
      mmt::PostgresCluster cluster;
      cluster.start();
      std::ofstream(state) << cluster.directory().string() << " " << cluster.port() << " "
                           << cluster.url() << "\n";
      std::cout << "PostgreSQL test server: " << cluster.url() << " ("
                << cluster.directory().string() << ")\n";
      return 0;
    }
    if (command == "stop") {
      std::ifstream in(state);
      std::string directory;
      int port = 0;
      if (!(in >> directory >> port)) {
        std::cerr << "pg_cluster: no server recorded in " << state << "\n";
        return 1;
      }
      mmt::PostgresCluster(directory, port).destroy();
      std::filesystem::remove(state);
      std::cout << "PostgreSQL test server stopped\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "pg_cluster " << command << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: pg_cluster start|stop STATE_FILE\n";
  return 2;
}
