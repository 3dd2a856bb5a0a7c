#!/bin/sh
# Prints 1 when oneDNN (dnnl.hpp and libdnnl; Debian: libdnnl-dev) compiles and links here, else 0.
# binding.gyp builds the oneDNN convolutions (conv_dnnl.cc) only then; without it they are
# im2col + sgemm. install.sh rebuilds the addon when this answer changes.
cxx=$(command -v g++ || command -v c++) || { echo 0; exit 0; }
[ -f /usr/include/dnnl.hpp ] || [ -f /usr/local/include/dnnl.hpp ] || { echo 0; exit 0; }
printf '#include <dnnl.h>\nint main() { return dnnl_version()->major > 0 ? 0 : 1; }\n' |
  "$cxx" -x c++ - -ldnnl -o /dev/null 2>/dev/null && echo 1 || echo 0
