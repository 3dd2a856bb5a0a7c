#!/usr/bin/env bash
# Installs what a fresh clone lacks, quickly when nothing does; `npm test` and
# `npm run notebooks` call it first, so each works as the first command on a new machine.
#   - npm packages (npm ci) when node_modules is missing or older than package-lock.json (not
#     when node_modules is a link to another checkout's, which npm ci would empty);
#   - on Debian, Jupyter's client side, nbclient, chromium and OpenBLAS (environment/setup-debian.sh);
#   - the native BLAS addon (native/), when its .node is missing or older than its sources, or
#     oneDNN was installed or removed since it was built.
#     Where it cannot be built, one line says why; everything then runs on plain wasm.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -L node_modules ]; then
  # A link to another checkout's packages (a git worktree, say): npm ci would empty the folder it
  # points to, so that checkout's packages are left as they are.
  echo "install.sh: node_modules links to $(readlink -f node_modules); not running npm ci there (remove the link to install here)"
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install.sh: npm ci"
  npm ci --no-audit --no-fund
fi

if [ -f /etc/debian_version ]; then
  if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
    bash environment/setup-debian.sh >/dev/null || bash environment/setup-debian.sh
  elif ! /usr/bin/python3 -c 'import nbclient' 2>/dev/null; then
    echo "install.sh: Jupyter's nbclient is missing; run as root: bash environment/setup-debian.sh" >&2
  fi
fi

# Native BLAS addon (lib/blas/ loads it): after the apt packages, which bring OpenBLAS.
addon=native/build/Release/dni_blas.node
stale=0
# oneDNN's convolutions are built in when it is installed (native/has-dnnl.sh): a change of that
# answer (libdnnl-dev installed or removed since the last build) rebuilds too.
found=$(sh native/has-dnnl.sh)
dnnl=$found
if [ ! -f "$addon" ] || [ "$(cat native/build/has-dnnl 2>/dev/null)" != "$found" ]; then stale=1; else
  for f in native/*.cc native/*.h native/*.sh native/binding.gyp; do if [ "$f" -nt "$addon" ]; then stale=1; fi; done
fi
if [ $stale -eq 1 ]; then
  if [ -f /etc/debian_version ]; then
    how="run as root: bash environment/setup-debian.sh (installs libopenblas-dev, libdnnl-dev, g++, make), then bash environment/install.sh"
  else
    how="install OpenBLAS (cblas.h, libopenblas), a C++ compiler, make and python3, then bash environment/install.sh"
  fi
  why=
  cxx=$(command -v g++ || command -v c++ || true)
  npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
  gyp=${npm_config_node_gyp:-$npm_dir/node_modules/node-gyp/bin/node-gyp.js}
  if [ -z "$cxx" ]; then why="no C++ compiler"
  elif ! command -v make >/dev/null 2>&1; then why="no make"
  elif ! command -v python3 >/dev/null 2>&1; then why="no python3 (node-gyp needs it)"
  elif [ ! -f "$gyp" ]; then why="node-gyp not found (npm normally bundles it)"
  elif ! printf '#include <cblas.h>\nint main(){return openblas_get_num_threads();}\n' | "$cxx" -x c++ - -lopenblas -o /dev/null 2>/dev/null; then
    why="OpenBLAS (cblas.h + libopenblas) not found"
  fi
  if [ -z "$why" ]; then
    # Node's own headers when they are installed beside it; otherwise node-gyp downloads them.
    node_prefix=$(node -p "require('path').resolve(process.execPath, '..', '..')")
    nodedir=()
    if [ -f "$node_prefix/include/node/node_api.h" ]; then nodedir=(--nodedir="$node_prefix"); fi
    built=0
    # The answer found above goes to binding.gyp, which would otherwise run has-dnnl.sh again.
    if (cd native && node "$gyp" rebuild "${nodedir[@]}" -- -Dhave_dnnl="$found") >native/build.log 2>&1; then built=1
    elif [ "$dnnl" = 1 ] && (cd native && node "$gyp" rebuild "${nodedir[@]}" -- -Dhave_dnnl=0) >native/build.log 2>&1; then
      # A oneDNN that does not compile here must not cost the OpenBLAS path: built without it.
      echo "install.sh: the addon did not build with oneDNN; built without it (im2col convolutions)"
      dnnl=0
      built=1
    fi
    if [ $built -eq 1 ]; then
      echo "$found" > native/build/has-dnnl
      if [ "$dnnl" = 1 ]; then
        echo "install.sh: built $addon (OpenBLAS sgemm and oneDNN convolutions for the wasm backend)"
      elif [ "$found" = 0 ]; then
        echo "install.sh: built $addon (OpenBLAS sgemm for the wasm backend; convolutions im2col + sgemm: oneDNN not found, Debian: libdnnl-dev)"
      else
        echo "install.sh: built $addon (OpenBLAS sgemm for the wasm backend; convolutions im2col + sgemm)"
      fi
    else
      why="the build failed (log: native/build.log)"
    fi
  fi
  if [ -n "$why" ]; then
    echo "install.sh: native BLAS not built: $why; everything runs on plain wasm. For the fast path, $how"
  fi
fi
