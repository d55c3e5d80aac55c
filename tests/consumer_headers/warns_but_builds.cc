// Compiles with a warning (an unused variable) on purpose: a consumer that inherited -Werror
// from massmigration's targets would fail here.
#include <massmigration/massmigration.h>

int consumer_function_with_a_warning() {
  int unused_variable = 0;
  return 1;
}
