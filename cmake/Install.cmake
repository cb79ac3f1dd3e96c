# Install rules, the CMake package (find_package(libexport CONFIG)), the
# pkg-config files and the CPack .deb. Included when LIBEXPORT_INSTALL is on.
include(CMakePackageConfigHelpers)

set(LIBEXPORT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/libexport)
set(LIBEXPORT_HAS_HTTP OFF)
set(_libexport_targets libexport)
if(TARGET libexport_http)
  set(LIBEXPORT_HAS_HTTP ON)
  list(APPEND _libexport_targets libexport_http)
endif()

install(TARGETS ${_libexport_targets} EXPORT libexportTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/libexport/include/libexport
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h"
  PATTERN "http" EXCLUDE)
if(LIBEXPORT_HAS_HTTP)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/libexport/include/libexport/http
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/libexport
    FILES_MATCHING PATTERN "*.h")
endif()
install(FILES ${LIBEXPORT_GENERATED_INCLUDE_DIR}/libexport/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/libexport)

install(EXPORT libexportTargets NAMESPACE libexport::
  DESTINATION ${LIBEXPORT_CMAKE_DIR})
# The same names from a build tree (CMAKE_PREFIX_PATH=<build dir>).
export(EXPORT libexportTargets NAMESPACE libexport::
  FILE ${PROJECT_BINARY_DIR}/libexportTargets.cmake)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/libexportConfig.cmake.in
  ${PROJECT_BINARY_DIR}/libexportConfig.cmake
  INSTALL_DESTINATION ${LIBEXPORT_CMAKE_DIR})
# 0.x: a minor release may break the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/libexportConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/libexportConfig.cmake
              ${PROJECT_BINARY_DIR}/libexportConfigVersion.cmake
  DESTINATION ${LIBEXPORT_CMAKE_DIR})

# pkg-config, relocatable: the prefix is found from the .pc file's place.
file(RELATIVE_PATH LIBEXPORT_PC_TO_PREFIX
  ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" LIBEXPORT_PC_TO_PREFIX "${LIBEXPORT_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/libexport.pc.in
  ${PROJECT_BINARY_DIR}/libexport.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/libexport.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(LIBEXPORT_HAS_HTTP)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/libexport-http.pc.in
    ${PROJECT_BINARY_DIR}/libexport-http.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/libexport-http.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

if(LIBEXPORT_BUILD_APP)
  install(TARGETS exportd exportctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # The systemd units (deploy/), where a package puts them: installed, not
  # enabled (`systemctl enable --now exportd` is the operator's step).
  # Relative to the prefix: /usr/lib/systemd/system in the .deb.
  install(FILES deploy/exportd.service deploy/exportctl-verify.service
                deploy/exportctl-verify.timer
    DESTINATION lib/systemd/system)
endif()
install(FILES README.md LICENSE NOTICE CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# `cpack -G DEB` in the build directory: build/libexport_<version>_<arch>.deb
# with the programs, the libraries, the headers, the CMake and pkg-config
# files and the docs. Depends is computed from the programs' shared
# libraries (dpkg-shlibdeps), so the package installs with apt-get on a
# clean Debian 12. Embedding needs the -dev packages: suggested.
set(CPACK_PACKAGE_NAME libexport)
set(CPACK_PACKAGE_VENDOR "libexport maintainers")
set(CPACK_PACKAGE_CONTACT "libexport maintainers <maintainers@users.noreply.r-seed-2963c9ab.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "exportd, exportctl and the libexport libraries: pinned customizations exported from LMDB")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
  "pkg-config, liblmdb-dev, libzstd-dev, zlib1g-dev, libsimdjson-dev, libssl-dev, libcpp-httplib-dev")
include(CPack)
