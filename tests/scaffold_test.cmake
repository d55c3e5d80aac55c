# A migration written by `shop-manage makemassmigration` compiles into shop-manage and is
# registered, with no edit to CMake: copies the example, scaffolds, builds it on its own
# against this build tree, and asks the new program.
#   cmake -DMANAGE=... -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... -P scaffold_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/run_command.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
file(COPY ${SOURCE_DIR}/examples/shop DESTINATION ${WORK_DIR})
set(shop ${WORK_DIR}/shop)
run(IN ${shop} COMMAND ${MANAGE} makemassmigration shop add_stock)
# Every template compiles.
run(IN ${shop} COMMAND ${MANAGE} makemassmigration billing fix_totals --template mapper)
run(IN ${shop} COMMAND ${MANAGE} makemassmigration billing export_invoices --template custom)
if(NOT EXISTS ${shop}/shop/massmigrations/0006_add_stock.cc)
  message(FATAL_ERROR "makemassmigration wrote no file: ${last_output}")
endif()
run(IN ${shop} COMMAND ${CMAKE_COMMAND} -S ${shop} -B ${WORK_DIR}/build
    -Dmassmigration_DIR=${BUILD_DIR} -DCMAKE_BUILD_TYPE=Release)
run(IN ${shop} COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j 2)
file(MAKE_DIRECTORY ${shop}/data)  # check reports a database directory that is missing
run(IN ${shop} COMMAND ${WORK_DIR}/build/shop-manage check)
if(NOT last_output MATCHES "No problems found \\(11 migrations, 3 databases\\)")
  message(FATAL_ERROR "the scaffolded migration is not registered: ${last_output}")
endif()
run(IN ${shop} COMMAND ${WORK_DIR}/build/shop-manage migrate_all --app shop)
if(NOT last_output MATCHES "OK       shop:0006_add_stock")
  message(FATAL_ERROR "the scaffolded migration did not run: ${last_output}")
endif()
message(STATUS "${last_output}")
