#!/usr/bin/env bash
# check-install.sh DEMO.c: install into a temporary DESTDIR, build DEMO.c outside the tree
# from the installed files alone, run it, uninstall.
set -uo pipefail
demo=$(realpath "$1")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
passed=0 failed=0
step() {   # step NAME COMMAND...: run one step, count it
    local name=$1; shift
    if "$@" > "$root/log" 2>&1; then passed=$((passed + 1))
    else failed=$((failed + 1)); echo "check-install: $name failed:" >&2; cat "$root/log" >&2; fi
}
step "make install" make --no-print-directory install DESTDIR="$root/dest" PREFIX=/usr/local
export PKG_CONFIG_PATH="$root/dest/usr/local/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root/dest"
step "pkg-config flags" bash -c 'pkg-config --cflags aio | grep -q -- -fstack-clash-protection'
mkdir -p "$root/elsewhere" && cp "$demo" "$root/elsewhere/"
step "build a demo outside the tree" bash -c "cd '$root/elsewhere' && \
    cc -std=c11 -o demo '$(basename "$demo")' \$(pkg-config --cflags --libs aio)"
step "run it" "$root/elsewhere/demo"
step "make uninstall" make --no-print-directory uninstall DESTDIR="$root/dest" PREFIX=/usr/local
step "nothing left" bash -c "[ -z \"\$(find '$root/dest' -type f)\" ]"
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
