# cmake -P script: install -> configure the example as an outside project -> build -> run.
# Fails (FATAL_ERROR) at the first step that does not succeed, showing its output.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step(install ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
if(NOT EXISTS ${prefix}/lib/cmake/WarpEngine/WarpEngineConfig.cmake)
  message(FATAL_ERROR "install did not produce lib/cmake/WarpEngine/WarpEngineConfig.cmake")
endif()
run_step(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${WORK_DIR}/build
  -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix})
run_step(build ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run_step(run ${WORK_DIR}/build/warp_embed_example ${WORK_DIR}/data)
if(NOT step_output MATCHES "user:3 = name-3" OR NOT step_output MATCHES "ok")
  message(FATAL_ERROR "unexpected example output:\n${step_output}")
endif()
message(STATUS "example output:\n${step_output}")
