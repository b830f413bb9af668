# SPDX-License-Identifier: BSD-3-Clause
# The exported symbols of libhashmatch.so are exactly the functions the
# public header declares with HM_API: the version script is generated from
# include/hashmatch.h at configure time (and again whenever the header
# changes), so an internal hm_ function, or a target_clones resolver, can
# never leak into the ABI.  tests/install_test.sh checks the result.
#   hm_generate_version_script(HEADER OUT): writes the script to OUT and
#   sets HM_EXPORTED_FUNCTIONS (the names) in the caller's scope.
function(hm_generate_version_script header out)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${header}")
  file(READ "${header}" text)
  # "HM_API <return type> <name>(": the greedy class stops at the last
  # identifier before the parenthesis, which is the function's name
  string(REGEX MATCHALL "HM_API[^;{}()]*hm_[A-Za-z0-9_]+[ \t\r\n]*\\(" decls "${text}")
  set(names "")
  foreach(d IN LISTS decls)
    string(REGEX MATCH "hm_[A-Za-z0-9_]+[ \t\r\n]*\\($" tail "${d}")
    string(REGEX REPLACE "[ \t\r\n]*\\($" "" name "${tail}")
    list(APPEND names "${name}")
  endforeach()
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  list(LENGTH names n)
  if(n LESS 10)
    message(FATAL_ERROR "${header}: found only ${n} HM_API functions")
  endif()
  set(body "/* Generated from ${header} by cmake/exports.cmake: do not edit. */\nHASHMATCH_1 {\n  global:\n")
  foreach(name IN LISTS names)
    string(APPEND body "    ${name};\n")
  endforeach()
  string(APPEND body "  local:\n    *;\n};\n")
  file(WRITE "${out}.tmp" "${body}")
  configure_file("${out}.tmp" "${out}" COPYONLY) # rewritten only when it changes
  set(HM_EXPORTED_FUNCTIONS "${names}" PARENT_SCOPE)
endfunction()
