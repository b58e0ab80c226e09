#!/usr/bin/env bash
# Installs the Debian packages Holoshop needs that this machine lacks, and nothing else.
set -euo pipefail

packages=(
  python3 python3-venv python3-dev
  # Software OpenGL through EGL (Mesa llvmpipe): what renders when there is no GPU.
  libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1 libgl1
  # Headless browser for the thin client's end-to-end tests.
  chromium
  # The assistant's voice (avatar/voice): libespeak-ng through ctypes, with its phoneme events.
  espeak-ng libespeak-ng1
  # HTTP load generator for the API benchmark (bench/api.py).
  wrk
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

# python3 from pyenv or elsewhere is fine as long as it is 3.11+ with venv.
if command -v python3 >/dev/null && python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  filtered=()
  for pkg in "${missing[@]}"; do
    case "$pkg" in python3|python3-venv|python3-dev) ;; *) filtered+=("$pkg") ;; esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
