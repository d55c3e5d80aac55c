# Fails unless every file in SNIPPETS appears verbatim in README.
file(READ ${README} readme)
foreach(snippet ${SNIPPETS})
  file(READ ${snippet} text)
  string(FIND "${readme}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "README.md does not contain ${snippet} word for word; update one or the other")
  endif()
endforeach()
