#include "exception_text.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <typeinfo>

#include "massmigration/mapper.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

std::string type_name(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : type.name();
  std::free(demangled);
  return name;
}

}  // namespace

std::string describe_current_exception() {
  try {
    throw;
  } catch (const MapperRowError& e) {
    return e.what();  // already "row KEY: Type: message"
  } catch (const std::exception& e) {
    return strings::cat(type_name(typeid(e)), ": ", e.what());
  } catch (...) {
    return "unknown exception: not derived from std::exception";
  }
}

}  // namespace massmigration::internal
