#!/usr/bin/env bash
# run.sh [ROUNDS]: every workload on every program, ROUNDS times (5 by default),
# interleaved; a description of the machine and the RESULT lines on stdout.
set -euo pipefail
rounds=${1:-5}
mkdir -p build/bench
gcc -std=c11 -O2 -Wall -Wextra -Werror -o build/bench/peer_libuv tangled/bench/peers/peer_libuv.c \
    $(pkg-config --cflags --libs libuv)
ulimit -n 65536 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"   # W6 at 10,000 connections; Node cannot raise it
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') || cpu="unknown CPU"
memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC'), $rounds rounds"
echo "# machine: $(uname -srm), $cpu, $(nproc) cores, $memory, at most $(ulimit -Hn) open files"
echo "# load average when the run began: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 minutes)"
echo "# versions: gcc $(gcc -dumpfullversion), $(/usr/bin/python3 --version 2>&1)," \
     "uvloop $(/usr/bin/python3 -c 'import uvloop; print(uvloop.__version__)' 2>/dev/null || echo none)," \
     "Node $(node --version 2>/dev/null || echo none), libuv $(pkg-config --modversion libuv)"
declare -A command=(
    [aio]="build/bench/aio_bench"
    [aio-untraced]="build/bench/aio_bench_untraced"
    [aio-epoll]="build/bench/aio_bench_epoll"
    [asyncio]="/usr/bin/python3 tangled/bench/peers/peer_asyncio.py"
    [uvloop]="/usr/bin/python3 tangled/bench/peers/peer_asyncio.py --uvloop"
    [node]="node tangled/bench/peers/peer_node.js"
    [libuv]="build/bench/peer_libuv"
)
all="aio asyncio uvloop node libuv" scaling="aio asyncio libuv"
connections=$(( ($(ulimit -Hn) - 64) / 1000 * 1000 ))   # one descriptor each, in each of two processes
[ "$connections" -ge 10000 ] && connections=10000
runs=("W1 - aio aio-untraced ${all#aio }" "W2 - aio aio-untraced ${all#aio }" "W3 - $all" "W4 - $all" "W5 - $all"
      "W6 100,200 $all aio-epoll" "W6 $connections,2 $all aio-epoll"
      "W1 10000 $scaling" "W1 1000000 $scaling" "W5 10000 $scaling" "W5 100000 $scaling"
      "FLOOR 10000 aio" "FLOOR 100000 aio" "FLOOR 1000000 aio" "SWITCH - aio")
for ((round = 1; round <= rounds; round++)); do
    for run in "${runs[@]}"; do
        read -r workload size group <<< "$run"
        for name in $group; do
            echo "bench: round $round of $rounds: $workload $size $name" >&2
            arguments=("$workload")
            [ "$size" = - ] || arguments+=(${size//,/ })
            if ! ${command[$name]} "${arguments[@]}" > build/bench/last.txt 2> build/bench/last.err; then
                echo "bench: skipped: $(head -c 300 build/bench/last.err)" >&2
            fi
            tag=$workload
            [ "$size" = - ] || tag="$workload@${size//,/x}"
            awk -v tag="$tag" -v name="$name" '$1 == "RESULT" { $2 = tag; $3 = name; print }' build/bench/last.txt
        done
    done
done
