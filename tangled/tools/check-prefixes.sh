#!/usr/bin/env bash
# check-prefixes.sh "CC FLAGS" book/00-*.nw book/01-*.nw ...: build and test every prefix.
set -euo pipefail
compile=$1; shift
chapters=("$@")
failed=0
for ((k = 1; k < ${#chapters[@]}; k++)); do
    number=$(basename "${chapters[k]}" | cut -c1-2)
    dir=build/prefix/$number
    rm -rf "$dir" && mkdir -p "$dir/obj"
    /usr/lib/noweb/markup "${chapters[@]:0:k+1}" |
        build/tools/tangle --line-directives --into "$dir" 2>&1 | { grep -v '^tangle: wrote ' || true; }
    for src in "$dir"/tangled/src/*.c "$dir"/tangled/src/*.S; do
        [ -e "$src" ] || continue
        $compile -I"$dir/tangled/include" -c -o "$dir/obj/$(basename "$src").o" "$src"
    done
    ar rcs "$dir/libaio.a" "$dir"/obj/*.o
    for test in tests/ch[0-9][0-9]_*.c; do
        [ "$(basename "$test" | cut -c3-4)" -le "$number" ] || continue
        exe=$dir/$(basename "$test" .c)
        $compile -I"$dir/tangled/include" -I"$dir/tangled/src" -Itests -o "$exe" \
            "$test" "$dir/libaio.a" $(pkg-config --libs check)
        echo "== prefix $number: $(basename "$test" .c)"
        CK_FORK=yes "$exe" || failed=1
    done
done
exit $failed
