# What a user's own project sees. Installs the build into a fresh prefix, then configures,
# builds and runs tests/consumer against it with GCC and with Clang (when present), and once
# against the build tree; then adds the source tree with add_subdirectory and checks that no
# compile command carries -Werror. Run with
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DCXX=... -P consumer_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/run_command.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)

set(compilers ${CXX})
foreach(candidate g++ clang++)
  find_program(found_${candidate} ${candidate})
  if(found_${candidate})
    list(APPEND compilers ${found_${candidate}})
  endif()
endforeach()
list(REMOVE_DUPLICATES compilers)

function(build_consumer kind compiler locate)
  get_filename_component(compiler_name ${compiler} NAME)
  set(dir ${WORK_DIR}/${kind}-${compiler_name})
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${dir} ${locate}
      -DCMAKE_CXX_COMPILER=${compiler} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build ${dir} -j 2)
  run(${dir}/consumer ${dir}/consumer.db)
  if(NOT last_output MATCHES "consumer ok 7")
    message(FATAL_ERROR "${kind} consumer (${compiler_name}) printed: ${last_output}")
  endif()
  message(STATUS "${kind} consumer with ${compiler_name}: ${last_output}")
endfunction()

foreach(compiler IN LISTS compilers)
  build_consumer(install ${compiler} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
endforeach()
build_consumer(build_tree ${CXX} -Dmassmigration_DIR=${BUILD_DIR})

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
if(NOT commands MATCHES "src/key\\.cc" OR NOT commands MATCHES "host/main\\.cc")
  message(FATAL_ERROR "add_subdirectory: unexpected compile commands:\n${commands}")
endif()
if(commands MATCHES "-Werror")
  message(FATAL_ERROR "add_subdirectory: a compile command carries -Werror:\n${commands}")
endif()
message(STATUS "add_subdirectory: no -Werror in any compile command")
