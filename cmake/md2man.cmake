# SPDX-License-Identifier: BSD-3-Clause
# Generate a man page from its Markdown source with go-md2man:
#   cmake -DIN=docs/hashcheck.md -DOUT=hashcheck.1 -DMD2MAN=/usr/bin/go-md2man
#         -DSECTION=1 -DSOURCE="libhashmatch 0.1.0" -P cmake/md2man.cmake
# The source is a page of docs/ as it reads on the web: its first line,
# "# NAME", becomes the man page's title line (.TH NAME SECTION "" SOURCE),
# its "## ..." headings the sections (NAME, SYNOPSIS, ...), and HTML
# comments (notes to editors, which go-md2man does not handle) are dropped.
foreach(v IN ITEMS IN OUT MD2MAN SECTION SOURCE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "md2man.cmake: ${v} is not set")
  endif()
endforeach()
file(READ "${IN}" md)
if(NOT md MATCHES "^# ([A-Za-z0-9_.-]+)\n")
  message(FATAL_ERROR "${IN}: the first line must be '# NAME' (the page's name)")
endif()
set(name "${CMAKE_MATCH_1}")
string(REGEX REPLACE "^# [^\n]*\n" "# ${name} ${SECTION} \"\" \"${SOURCE}\"\n" md "${md}")
string(REGEX REPLACE "<!--([^-]|-[^-])*-->\n?" "" md "${md}")
file(WRITE "${OUT}.md" "${md}")
execute_process(COMMAND "${MD2MAN}" -in "${OUT}.md" -out "${OUT}"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR err)
  file(REMOVE "${OUT}")
  message(FATAL_ERROR "${MD2MAN} failed on ${IN} (${rc}): ${err}")
endif()
