#!/usr/bin/env bash
# setup.sh [bench]: install the Debian packages the build (or the benchmarks) need.
set -euo pipefail
packages=(noweb pandoc check pkg-config gcc make valgrind python3
          texlive-latex-base texlive-latex-recommended texlive-fonts-recommended
          texlive-luatex lmodern fonts-dejavu-core fonts-dejavu-extra poppler-utils)
if [ "${1:-}" = bench ]; then
    packages=(python3 python3-uvloop nodejs libuv1-dev)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
install=(apt-get install -y --no-install-recommends "${missing[@]}")
echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
    echo "setup: these packages are missing; as root, run:" >&2
    echo "    apt-get update && ${install[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" "${install[@]}"
