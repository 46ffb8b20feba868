#!/usr/bin/env bash
# tracing-cost.sh WITH WITHOUT: instructions per W1 task and per W2 switch, counted by
# callgrind in the benchmark built with chapter 11's hooks (WITH) and without (WITHOUT).
set -euo pipefail
count() {   # count PROGRAM ARGUMENTS...: instructions executed
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_unit() {   # per_unit PROGRAM WORKLOAD SMALL LARGE UNITS_PER_N
    local small large
    small=$(count "$1" "$2" "$3") large=$(count "$1" "$2" "$4")
    awk -v a="$small" -v b="$large" -v n=$(( $4 - $3 )) -v k="$5" 'BEGIN { printf "%.1f", (b - a) / (n * k) }'
}
row() {   # row KEY LABEL WORKLOAD SMALL LARGE UNITS_PER_N
    local with without
    with=$(per_unit "$WITH" "$3" "$4" "$5" "$6") without=$(per_unit "$WITHOUT" "$3" "$4" "$5" "$6")
    awk -v key="$1" -v label="$2" -v a="$with" -v b="$without" 'BEGIN {
        printf "%-26s %10.1f %10.1f %+10.1f (%+.1f %%)\n", label, a, b, a - b, 100 * (a - b) / b
        printf "FACT %s.with %.1f\nFACT %s.without %.1f\n", key, a, key, b
        printf "FACT %s.difference %.1f\nFACT %s.percent %.1f\n", key, a - b, key, 100 * (a - b) / b }'
}
WITH=$1 WITHOUT=$2
printf "%-26s %10s %10s %10s\n" "instructions per" "with hooks" "without" "difference"
row w1 "W1: a task's life" W1 20000 40000 2   # W1 runs its batch twice, cold and warm
row w2 "W2: a switch" W2 200000 400000 1
