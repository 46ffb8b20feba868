#!/usr/bin/env bash
# run.sh ROUNDS: run every workload on every program; RESULT lines on stdout.
set -euo pipefail
rounds=${1:-1}
mkdir -p build/bench
gcc -std=c11 -O2 -Itangled/include -o build/bench/aio_bench tangled/bench/aio_bench.c build/asm/libaio.a
gcc -std=c11 -O2 -o build/bench/peer_libuv tangled/bench/peers/peer_libuv.c $(pkg-config --cflags --libs libuv)
programs=("build/bench/aio_bench" "/usr/bin/python3 tangled/bench/peers/peer_asyncio.py"
          "/usr/bin/python3 tangled/bench/peers/peer_asyncio.py --uvloop"
          "node tangled/bench/peers/peer_node.js" "build/bench/peer_libuv")
for ((round = 1; round <= rounds; round++)); do
    for workload in W1 W2 W3 W4 W5; do
        for program in "${programs[@]}"; do
            echo "bench: round $round, $workload, $program" >&2
            if ! $program "$workload" > build/bench/last.txt 2> build/bench/last.err; then
                echo "bench: skipped ($(head -c 200 build/bench/last.err))" >&2
            fi
            grep '^RESULT ' build/bench/last.txt || true
        done
    done
done
