#!/usr/bin/env bash
# check-commands.sh FILE...: run every command in the ```sh blocks of the files.
set -uo pipefail
passed=0 failed=0
for file in "$@"; do
    while IFS= read -r command; do
        case "$command" in
            make*) run="make -n ${command#make}" ;;
            *) run="$command" ;;
        esac
        if timeout 60 bash -c "$run" > /dev/null 2>&1; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "check-commands: $file: '$command' failed" >&2
        fi
    done < <(awk '/^```sh$/ { inside = 1; next } /^```/ { inside = 0 } inside && NF' "$file")
done
echo "commands: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
