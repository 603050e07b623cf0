# Turns a text file into a C++ source defining it as a raw string literal, so a binary carries
# the file without reading it at run time. Run in script mode:
#   cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DSYMBOL=<name> -DNAMESPACE=<ns> -P embed_text.cmake
# Defines `extern const char <SYMBOL>[]` and `extern const std::size_t <SYMBOL>Size` in NAMESPACE.
foreach(var INPUT OUTPUT SYMBOL NAMESPACE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_text.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" content)
set(delimiter "warp_embed")
string(FIND "${content}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains )${delimiter}\" and cannot be embedded as a raw string")
endif()

get_filename_component(input_name "${INPUT}" NAME)
set(source "// Generated from ${input_name} by config/embed_text.cmake. Do not edit.\n")
string(APPEND source "#include <cstddef>\n\nnamespace ${NAMESPACE} {\n\n")
string(APPEND source "extern const char ${SYMBOL}[] = R\"${delimiter}(${content})${delimiter}\";\n")
string(APPEND source "extern const std::size_t ${SYMBOL}Size = sizeof(${SYMBOL}) - 1;\n")
string(APPEND source "\n}  // namespace ${NAMESPACE}\n")
file(WRITE "${OUTPUT}" "${source}")
