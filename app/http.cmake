# The HTTP parts: the embeddable export routes (export_http), the signed
# client behind `exportctl request` (export_http_client), and exportd.
# Included by app/CMakeLists.txt. httplib comes only through
# PkgConfig::HTTPLIB: its Cflags carry the feature macros that must match the
# compiled Debian .so (../shared/notes/dependencies.md 1.1).

# HMAC auth as pure functions, shared by the server and the client.
add_library(export_hmac_auth STATIC hmac_auth.cpp)
target_compile_features(export_hmac_auth PUBLIC cxx_std_20)
target_include_directories(export_hmac_auth PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(export_hmac_auth
  PUBLIC libexport::libexport OpenSSL::Crypto PRIVATE libexport_warnings)

add_library(export_http STATIC export_routes.cpp error_json.cpp http_metrics.cpp)
target_compile_features(export_http PUBLIC cxx_std_20)
target_include_directories(export_http
  PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(export_http
  PUBLIC PkgConfig::HTTPLIB OpenSSL::SSL OpenSSL::Crypto Threads::Threads
         libexport::libexport
  PRIVATE export_hmac_auth libexport_warnings)

add_library(export_http_client STATIC signed_client.cpp)
target_compile_features(export_http_client PUBLIC cxx_std_20)
target_include_directories(export_http_client PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(export_http_client
  PUBLIC PkgConfig::HTTPLIB OpenSSL::SSL OpenSSL::Crypto libexport::libexport
         export_hmac_auth
  PRIVATE libexport_warnings)

add_executable(exportd exportd_main.cpp server_config.cpp)
target_link_libraries(exportd PRIVATE export_http libexport_warnings)

# A host program that mounts the routes into its own server (docs/embedding.md).
add_executable(host_server_example ${PROJECT_SOURCE_DIR}/examples/host_server.cpp)
target_link_libraries(host_server_example PRIVATE export_http libexport_warnings)
