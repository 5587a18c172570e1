# Run at build time (cmake -P): writes the version header with the commit the sources are at.
# configure_file() leaves the header untouched when nothing changed, so nothing is rebuilt then.
# Inputs: SOURCE_DIR, OUTPUT, VERSION.
set(commit "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
    OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE head_rc ERROR_QUIET)
  if(head_rc EQUAL 0)
    set(commit "${head}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" status --porcelain
      --untracked-files=no OUTPUT_VARIABLE changes ERROR_QUIET)
    if(NOT changes STREQUAL "")
      string(APPEND commit "-modified")
    endif()
  endif()
endif()
file(WRITE "${OUTPUT}.new" "#pragma once\n// Generated at build time; do not edit.\n"
  "#define SQUEEZEFS_VERSION \"${VERSION}\"\n#define SQUEEZEFS_COMMIT \"${commit}\"\n")
configure_file("${OUTPUT}.new" "${OUTPUT}" COPYONLY)
