# SPDX-License-Identifier: BSD-3-Clause
# Install-time step (install(CODE) in CMakeLists.txt): writes hashmatch.pc
# into the final prefix's <libdir>/pkgconfig.  Only here is the final prefix
# known (cmake --install --prefix P overrides the configured one), and with
# it whether the library lands in a directory the dynamic loader searches by
# itself.  Outside those, Libs gains -Wl,-rpath,${libdir}, so a program
# linked through pkg-config starts without LD_LIBRARY_PATH.
#
# In: HM_PC_IN (the configured template), HM_PC_RPATH (AUTO, ON, OFF),
# HM_PC_LIBDIR (relative libdir), HM_SYSTEM_LIBDIRS (the toolchain's
# implicit link directories), CMAKE_INSTALL_PREFIX.
set(libdir_full "${CMAKE_INSTALL_PREFIX}/${HM_PC_LIBDIR}")
get_filename_component(libdir_full "${libdir_full}" REALPATH)
set(rpath OFF)
if(HM_PC_RPATH STREQUAL "ON")
  set(rpath ON)
elseif(HM_PC_RPATH STREQUAL "AUTO")
  set(rpath ON)
  foreach(d IN LISTS HM_SYSTEM_LIBDIRS)
    get_filename_component(d "${d}" REALPATH)
    if(d STREQUAL libdir_full)
      set(rpath OFF)
    endif()
  endforeach()
endif()
if(rpath)
  set(HM_PC_LIBS_RPATH " -Wl,-rpath,\${libdir}")
else()
  set(HM_PC_LIBS_RPATH "")
endif()
set(dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${HM_PC_LIBDIR}/pkgconfig")
configure_file("${HM_PC_IN}" "${dest}/hashmatch.pc" @ONLY)
message(STATUS "Installing: ${dest}/hashmatch.pc (runpath in Libs: ${rpath})")
