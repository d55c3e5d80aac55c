# run(COMMAND ... [IN DIR]): runs a command, fails the script with its output when it fails,
# and leaves its standard output in last_output.
function(run)
  cmake_parse_arguments(ARG "" "IN" "COMMAND" ${ARGN})
  if(NOT ARG_COMMAND)
    set(ARG_COMMAND ${ARG_UNPARSED_ARGUMENTS})
  endif()
  if(NOT ARG_IN)
    set(ARG_IN ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  execute_process(COMMAND ${ARG_COMMAND} WORKING_DIRECTORY ${ARG_IN} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARG_COMMAND}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
