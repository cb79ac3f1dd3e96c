# The version: project(VERSION) is the only place it is written. In a git
# checkout the commit is added (git describe at configure time; CMake runs
# again when HEAD moves). From a tarball, or without git, it is empty.
set(LIBEXPORT_GIT_COMMIT "")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(
    COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE _libexport_git_top OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _libexport_git_rc ERROR_QUIET)
  # Only our own checkout: not the repository of a parent project that
  # vendors an unpacked copy.
  if(_libexport_git_rc EQUAL 0)
    file(REAL_PATH "${_libexport_git_top}" _libexport_git_top)
    file(REAL_PATH "${PROJECT_SOURCE_DIR}" _libexport_src)
  endif()
  if(_libexport_git_rc EQUAL 0 AND _libexport_git_top STREQUAL _libexport_src)
    execute_process(
      COMMAND ${GIT_EXECUTABLE} describe --always --dirty --abbrev=7 --exclude=*
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      OUTPUT_VARIABLE LIBEXPORT_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
      ERROR_QUIET)
    execute_process(
      COMMAND ${GIT_EXECUTABLE} rev-parse --absolute-git-dir
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      OUTPUT_VARIABLE _libexport_git_dir OUTPUT_STRIP_TRAILING_WHITESPACE
      ERROR_QUIET)
    # Reconfigure (and so refresh the commit) when HEAD moves.
    foreach(_f HEAD logs/HEAD)
      if(EXISTS "${_libexport_git_dir}/${_f}")
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                     "${_libexport_git_dir}/${_f}")
      endif()
    endforeach()
  endif()
endif()
set(LIBEXPORT_GENERATED_INCLUDE_DIR ${PROJECT_BINARY_DIR}/generated/include)
configure_file(${PROJECT_SOURCE_DIR}/libexport/include/libexport/version.h.in
               ${LIBEXPORT_GENERATED_INCLUDE_DIR}/libexport/version.h @ONLY)
