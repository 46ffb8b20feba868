#!/usr/bin/env bash
# setup.sh [build|bench|fresh]: install the Debian packages the build (or the
# benchmarks, or make check-fresh) needs, then check that their tools are there.
set -euo pipefail
what=${1:-build}
case $what in
build) packages=(
    make                      # runs the build (a minimal root may lack it)
    gcc                       # compiles the runtime, the tests, the demos, the tools
    libc6-dev                 # the C library's headers: gcc only recommends them
    pkg-config                # gives the flags to link Check
    check                     # the tests' framework (libcheck)
    valgrind                  # memcheck in make check, callgrind for the hooks' cost; valgrind.h
    noweb                     # markup, finduses, noidx: the .nw files read as a stream
    python3                   # the demos' Python twins and their parity check
    gnuplot-nox               # figures drawn from the runtime's traces
    graphviz                  # dot, for the figures of task trees
    pandoc                    # the woven Markdown to HTML, and to LaTeX for the PDF
    texlive-luatex            # lualatex and luaotfload for the PDF; luacolor for book.tex
    texlive-latex-base        # LaTeX itself; hyperref, geometry, amsmath, longtable, ...
    texlive-latex-recommended # fontspec, unicode-math, fancyvrb, microtype, xcolor, ...
    lmodern                   # lmodern.sty and Latin Modern Math, which the template loads
    fonts-dejavu-core         # DejaVu Serif, Sans and Sans Mono: the book's fonts
    fonts-dejavu-extra        # their italics and obliques
    ) ;;
bench) packages=(
    python3                   # asyncio, the first peer
    python3-uvloop            # uvloop, asyncio on libuv
    nodejs                    # Node.js, the JavaScript peer
    libuv1-dev                # libuv, the C peer
    ) ;;
fresh) packages=(
    mmdebstrap                # builds the fresh Debian root
    git                       # clones the committed tree into it
    ) ;;
*) echo "usage: setup.sh [build|bench|fresh]" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    install=(apt-get install -y --no-install-recommends "${missing[@]}")
    echo "setup: installing ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo=(sudo)
    else
        echo "setup: these Debian packages are missing: ${missing[*]}" >&2
        echo "setup: installing them needs root; as root, run:" >&2
        echo "    apt-get update && ${install[*]}" >&2
        echo "setup: then run make again." >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt_or_explain() {   # apt_or_explain COMMAND...: run it; on failure repeat apt's reason
        local errors status=0
        errors=$(mktemp)
        { "$@" 2>&1 1>&3 3>&- | tee "$errors" >&2; } 3>&1 || status=$?   # stderr also to $errors
        if [ $status -ne 0 ]; then
            echo "setup: '$*' failed (exit status $status); apt says:" >&2
            grep -E '^(E|Err|W):' "$errors" | sed 's/^/    /' >&2 || echo "    (see above)" >&2
            echo "setup: fix that (the network, the sources in /etc/apt/, or another apt" \
                 "or dpkg still running), then run make again." >&2
            rm -f "$errors"
            exit 1
        fi
        rm -f "$errors"
    }
    apt_or_explain "${sudo[@]}" apt-get update -qq
    apt_or_explain "${sudo[@]}" "${install[@]}"
fi
problems=0
need() {   # need PACKAGE WHAT COMMAND...: COMMAND must succeed, or WHAT is missing
    local package=$1 thing=$2; shift 2
    "$@" >/dev/null 2>&1 && return
    echo "setup: $thing is missing; the Debian package $package gives it" \
         "(apt-get install $package)" >&2
    problems=1
}
case $what in
build)
    need make make command -v make
    need gcc gcc command -v gcc
    need libc6-dev "the C library's headers (stdio.h)" \
        bash -c 'echo "#include <stdio.h>" | gcc -E -x c -'
    need pkg-config pkg-config command -v pkg-config
    need check "Check (pkg-config check)" pkg-config --exists check
    need valgrind valgrind command -v valgrind
    need noweb "noweb's markup" test -x /usr/lib/noweb/markup
    need python3 python3 test -x /usr/bin/python3
    need gnuplot-nox gnuplot command -v gnuplot
    need graphviz dot command -v dot
    need pandoc pandoc command -v pandoc
    need texlive-luatex lualatex command -v lualatex ;;
bench)
    need python3-uvloop "Python's uvloop" /usr/bin/python3 -c 'import uvloop'
    need nodejs node command -v node
    need libuv1-dev "libuv (pkg-config libuv)" pkg-config --exists libuv ;;
fresh)
    need mmdebstrap mmdebstrap command -v mmdebstrap
    need git git command -v git
    need util-linux unshare command -v unshare ;;
esac
exit $problems
