#!/usr/bin/env bash
# Installs what the executed-notebook pipeline needs on Debian 12 (bookworm), as root:
#   - Jupyter's client side and nbclient (runs notebooks headless: scripts/run-notebooks.py),
#   - nbconvert (optional exports),
#   - the classic notebook server, jupyter-notebook (reading and editing notebooks in a browser;
#     test/browser.test.ts drives it with chromium),
#   - chromium (renders plotly figures to PNG for readers without the plotly extension),
#   - OpenBLAS, oneDNN and a C++ toolchain, for the native BLAS addon (native/, built by install.sh).
# Idempotent: installs only what is missing, and runs `apt-get update` only when a package
# is unknown to apt's current lists.
# These run on Debian's /usr/bin/python3, not on a pyenv/conda python3 that may be first on PATH.
set -euo pipefail

packages=(jupyter-nbconvert jupyter-client python3-nbclient jupyter-notebook chromium libopenblas-dev libdnnl-dev g++ make)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup-debian.sh: run as root (or install sudo)" >&2; exit 1
  fi
else
  SUDO=
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian.sh: all present (${packages[*]})"
else
  need_update=0
  for p in "${missing[@]}"; do
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then need_update=1; fi
  done
  if [ $need_update -eq 1 ]; then
    echo "setup-debian.sh: apt-get update"
    $SUDO apt-get update
  fi
  echo "setup-debian.sh: installing ${missing[*]}"
  # Stale package lists on a fresh machine make downloads 404: update once and retry.
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    echo "setup-debian.sh: install failed; apt-get update and retry"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# Check what the pipeline uses.
/usr/bin/python3 -c 'import nbclient, nbformat, jupyter_client; print("nbclient", nbclient.__version__, "| nbformat", nbformat.__version__, "| jupyter_client", jupyter_client.__version__)'
if command -v jupyter-notebook >/dev/null 2>&1; then echo "jupyter-notebook $(jupyter-notebook --version 2>/dev/null)"; fi
if [ -x /usr/bin/chromium ]; then /usr/bin/chromium --version 2>/dev/null || true; fi
