# Installs the build into a fresh prefix, then configures, builds and runs tests/consumer
# (the README's CMake example: an application, a manage program and a test sharing one OBJECT
# library of migrations) against it; then does the same against the build tree. Run with
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P consumer_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/run_command.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
foreach(kind install build_tree)
  if(kind STREQUAL "install")
    set(locate -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
  else()
    set(locate -Dmassmigration_DIR=${BUILD_DIR})
  endif()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/${kind} ${locate}
      -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/${kind})
  run(${WORK_DIR}/${kind}/app ${WORK_DIR}/${kind}.db)
  if(NOT last_output MATCHES "consumer ok 7")
    message(FATAL_ERROR "${kind} consumer printed: ${last_output}")
  endif()
  message(STATUS "${kind} consumer: ${last_output}")
  # The manage program and the tests see the migration of the shared OBJECT library too.
  file(WRITE ${WORK_DIR}/${kind}.toml "[databases]\ndefault = \"sqlite:${kind}-manage.db\"\n")
  run(${WORK_DIR}/${kind}/manage --config ${WORK_DIR}/${kind}.toml showmigrations)
  if(NOT last_output STREQUAL "MIGRATION          default\nshop:0001_initial  NOT_RUN\n")
    message(FATAL_ERROR "${kind} manage showmigrations printed: ${last_output}")
  endif()
  run(${WORK_DIR}/${kind}/app_test)
endforeach()
