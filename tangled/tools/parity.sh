#!/usr/bin/env bash
# parity.sh BIN_DIR TWIN.py...: each Python twin and its C demo must print the same facts.
set -uo pipefail
bin=$1; shift
python=/usr/bin/python3          # Debian's Python, standard library only
tools=$(dirname "$0")            # twin-trace.py and check-trace.py (chapter 11)
work=$(dirname "$bin")/parity    # each run's output, kept for a look after a failure
mkdir -p "$work"
passed=0 failed=0
[ $# -gt 0 ] || echo "parity: no Python twin given" >&2
for twin in "$@"; do
    name=$(basename "$twin" .py)     # d2_semaphore
    label=${name%%_*}
    label=${label^^}                 # D2
    problem=""
    for side in c py; do
        if [ "$side" = c ]; then run=("$bin/$name"); else run=("$python" "$twin"); fi
        output=$work/$name.$side.out
        if ! "${run[@]}" --facts > "$output" 2>&1; then
            problem+="  ${run[*]} --facts failed; its output is in $output"$'\n'
        fi
        grep '^FACT ' "$output" | grep -v '^FACT clock\.' > "$work/$name.$side.facts"
        [ -s "$work/$name.$side.facts" ] || problem+="  ${run[*]} --facts printed no facts"$'\n'
    done
    if [ -z "$problem" ] &&
       ! diff -u --label "C: $bin/$name" --label "Python: $twin" \
            "$work/$name.c.facts" "$work/$name.py.facts" > "$work/$name.diff"; then
        problem="  the facts differ:"$'\n'"$(sed 's/^/    /' "$work/$name.diff")"$'\n'
    fi
    if [ -z "$problem" ]; then
        AIO_TRACE=$work/$name.c.json "$bin/$name" > /dev/null 2>&1 ||
            problem+="  AIO_TRACE=$work/$name.c.json $bin/$name failed"$'\n'
        traced=("$python" "$tools/twin-trace.py" "$work/$name.py.json" "$twin" --facts)
        "${traced[@]}" > "$work/$name.traced.out" 2>&1 ||
            problem+="  ${traced[*]} failed; its output is in $work/$name.traced.out"$'\n'
        grep '^FACT ' "$work/$name.traced.out" | grep -v '^FACT clock\.' |
            diff -u --label "C: $bin/$name" --label "Python, traced: $twin" \
                 "$work/$name.c.facts" - > "$work/$name.traced.diff" ||
            problem+="  traced, the facts differ:"$'\n'"$(sed 's/^/    /' "$work/$name.traced.diff")"$'\n'
        "$python" "$tools/check-trace.py" "$work/$name.py.json" --same-tasks "$work/$name.c.json" \
            > /dev/null 2> "$work/$name.trace.err" ||
            problem+="  $(cat "$work/$name.trace.err")"$'\n'
    fi
    if [ -z "$problem" ]; then
        echo "parity $label: ok"
        passed=$((passed + 1))
    else
        echo "parity $label: FAILED ($name)"
        printf '%s' "$problem"
        failed=$((failed + 1))
    fi
done
echo "parity: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
