# What a user's own project sees. Installs the build into a fresh prefix, then:
# - configures, builds and runs tests/consumer (the README's CMake example: an application, a
#   manage program and a test sharing one OBJECT library of migrations) against it, with GCC
#   and with Clang when present, and once against the build tree;
# - builds tests/consumer_headers with each compiler: every public header on its own, and a
#   file that warns, which massmigration's -Werror must not turn into an error;
# - adds the source tree with add_subdirectory and checks that no compile command carries
#   -Werror. Run with
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DCXX=... -P consumer_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/run_command.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)

# The build's compiler, GCC and Clang, each once: c++ is often g++ under another name.
set(compilers)
set(seen)
foreach(candidate ${CXX} g++ clang++)
  find_program(found_${candidate} ${candidate})
  if(found_${candidate})
    file(REAL_PATH ${found_${candidate}} real)
    list(FIND seen ${real} index)
    if(index EQUAL -1)
      list(APPEND seen ${real})
      list(APPEND compilers ${found_${candidate}})
    endif()
  endif()
endforeach()

# Configures and builds tests/${project} into ${WORK_DIR}/${kind}-<compiler>; sets `dir`.
function(build project kind compiler locate)
  get_filename_component(compiler_name ${compiler} NAME)
  set(dir ${WORK_DIR}/${project}-${kind}-${compiler_name})
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/${project} -B ${dir} ${locate}
      -DCMAKE_CXX_COMPILER=${compiler} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build ${dir} -j 2)
  set(dir ${dir} PARENT_SCOPE)
endfunction()

function(check_consumer kind compiler locate)
  build(consumer ${kind} ${compiler} ${locate})
  run(${dir}/app ${dir}/app.db)
  if(NOT last_output MATCHES "consumer ok 7")
    message(FATAL_ERROR "${dir}: the application printed: ${last_output}")
  endif()
  # The manage program and the tests see the migration of the shared OBJECT library too.
  file(WRITE ${dir}/massmigration.toml "[databases]\ndefault = \"sqlite:manage.db\"\n")
  run(${dir}/manage --config ${dir}/massmigration.toml showmigrations)
  if(NOT last_output STREQUAL "MIGRATION          default\nshop:0001_initial  NOT_RUN\n")
    message(FATAL_ERROR "${dir}: manage showmigrations printed: ${last_output}")
  endif()
  run(${dir}/app_test)
  message(STATUS "${dir}: application, manage program and test work")
endfunction()

set(installed -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
foreach(compiler IN LISTS compilers)
  check_consumer(install ${compiler} ${installed})
  build(consumer_headers install ${compiler} ${installed})
  message(STATUS "${dir}: every public header compiles alone; no -Werror inherited")
endforeach()
check_consumer(build_tree ${CXX} -Dmassmigration_DIR=${BUILD_DIR})

# add_subdirectory: configuring is enough to see every compile command.
set(host ${WORK_DIR}/host)
file(WRITE ${host}/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.25)\nproject(host LANGUAGES CXX)\n"
  "add_subdirectory(${SOURCE_DIR} massmigration)\n"
  "add_executable(host main.cc)\n"
  "target_link_libraries(host PRIVATE massmigration::massmigration)\n")
file(WRITE ${host}/main.cc "#include <massmigration/massmigration.h>\nint main() {}\n")
run(${CMAKE_COMMAND} -S ${host} -B ${host}/build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
    -DCMAKE_CXX_COMPILER=${CXX})
file(READ ${host}/build/compile_commands.json commands)
if(NOT commands MATCHES "src/common/key\\.cc" OR NOT commands MATCHES "host/main\\.cc")
  message(FATAL_ERROR "add_subdirectory: unexpected compile commands:\n${commands}")
endif()
if(commands MATCHES "-Werror")
  message(FATAL_ERROR "add_subdirectory: a compile command carries -Werror:\n${commands}")
endif()
message(STATUS "add_subdirectory: no -Werror in any compile command")
