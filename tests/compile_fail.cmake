# A snippet that must not compile, with a message that says what to write instead. Passes only
# if the snippet compiles as written (its correct spelling) and fails to compile with
# -DMASSMIGRATION_WRONG_SPELLING, with the text of its "// expect: " line in the compiler's
# output, in at most MAX_LINES lines. Run with
#   cmake -DCXX=... -DSNIPPET=... "-DINCLUDES=dir;dir" -DMAX_LINES=N -P compile_fail.cmake
file(STRINGS ${SNIPPET} expect_line REGEX "^// expect: " LIMIT_COUNT 1)
string(REGEX REPLACE "^// expect: " "" expected "${expect_line}")
if(expected STREQUAL "")
  message(FATAL_ERROR "${SNIPPET} has no \"// expect: \" line")
endif()
set(flags -std=c++20 -fsyntax-only)
foreach(dir ${INCLUDES})
  list(APPEND flags -I${dir})
endforeach()

execute_process(COMMAND ${CXX} ${flags} ${SNIPPET} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the correct spelling in ${SNIPPET} does not compile, so its failure "
                      "proves nothing:\n${out}${err}")
endif()

execute_process(COMMAND ${CXX} ${flags} -DMASSMIGRATION_WRONG_SPELLING ${SNIPPET}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "the wrong spelling in ${SNIPPET} compiled")
endif()
string(FIND "${out}${err}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the compiler did not say \"${expected}\":\n${out}${err}")
endif()
string(REGEX MATCHALL "\n" newlines "${out}${err}")
list(LENGTH newlines lines)
if(lines GREATER MAX_LINES)
  message(FATAL_ERROR "${lines} lines of errors, more than ${MAX_LINES}:\n${out}${err}")
endif()
message(STATUS "${lines} lines, saying \"${expected}\"")
