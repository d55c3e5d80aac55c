#include <massmigration/cli.h>
int main(int argc, char** argv) { return massmigration::cli::main(argc, argv); }
