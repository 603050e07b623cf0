# libwarpengine: the shared library embedding programs link, with only the public API
# (include/warp/, symbols marked WARP_EXPORT) visible; plus a CMake package so that
# `find_package(WarpEngine)` finds it after `cmake --install`.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

# The facade's sources are compiled again with hidden visibility; everything else comes from
# the module archives, whose symbols --exclude-libs keeps out of the dynamic symbol table.
add_library(warpengine SHARED
  ${PROJECT_SOURCE_DIR}/engine/universe.cc
  ${PROJECT_SOURCE_DIR}/engine/supervision_tree.cc
  ${PROJECT_SOURCE_DIR}/common/status.cc
  ${PROJECT_SOURCE_DIR}/common/options_names.cc
)
add_library(WarpEngine::warpengine ALIAS warpengine)
set_target_properties(warpengine PROPERTIES
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(warpengine PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_include_directories(warpengine PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(warpengine PRIVATE warp_actors warp_config warp_store warp_supervision)
target_link_options(warpengine PRIVATE -Wl,--exclude-libs,ALL)

install(TARGETS warpengine EXPORT WarpEngineTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/warp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_BINARY_DIR}/include/warp/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/warp)
install(TARGETS warpd warp RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/config/warpengine.yaml
  DESTINATION ${CMAKE_INSTALL_DATADIR}/warpengine)
install(EXPORT WarpEngineTargets NAMESPACE WarpEngine::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/WarpEngine)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/WarpEngineConfig.cmake.in
  ${CMAKE_BINARY_DIR}/WarpEngineConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/WarpEngine)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/WarpEngineConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/WarpEngineConfig.cmake
  ${CMAKE_BINARY_DIR}/WarpEngineConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/WarpEngine)
