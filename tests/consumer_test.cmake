# Installs the build into a fresh prefix, then configures, builds and runs tests/consumer
# against it; then does the same against the build tree. Run with
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
  run(${WORK_DIR}/${kind}/consumer ${WORK_DIR}/${kind}.db)
  if(NOT last_output MATCHES "consumer ok 7")
    message(FATAL_ERROR "${kind} consumer printed: ${last_output}")
  endif()
  message(STATUS "${kind} consumer: ${last_output}")
endforeach()
