"""Benchmark peer: CPython asyncio, or uvloop with --uvloop (appendix-peers)."""
import asyncio
import os
import resource
import socket
import sys
import time

PEER = "asyncio"  # "uvloop" once --uvloop is seen


def report(workload, metric, value):
    print(f"RESULT {workload} {PEER} {metric} {value}", flush=True)


def peak_rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM line in /proc/self/status")


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
async def yield_once():
    await asyncio.sleep(0)


async def spawn_and_gather(n):
    start = time.perf_counter()
    tasks = [asyncio.create_task(yield_once()) for _ in range(n)]
    await asyncio.gather(*tasks)
    del tasks  # the last reference: the tasks are freed here, on the clock
    elapsed = time.perf_counter() - start
    report("W1", "us_per_task", f"{elapsed / n * 1e6:.3f}")
async def yield_times(count):
    for _ in range(count):
        await asyncio.sleep(0)


async def ping_pong(n):
    half = n // 2
    start = time.perf_counter()
    await asyncio.gather(asyncio.create_task(yield_times(half)),
                         asyncio.create_task(yield_times(half)))
    elapsed = time.perf_counter() - start
    report("W2", "ns_per_switch", f"{elapsed / (2 * half) * 1e9:.1f}")
def sleep_ms(i):
    return i * 2654435761 % 4294967291 % 100


async def random_sleepers(n):
    start = time.perf_counter()
    tasks = [asyncio.create_task(asyncio.sleep(sleep_ms(i) / 1e3)) for i in range(n)]
    await asyncio.gather(*tasks)
    del tasks
    late_ms = (time.perf_counter() - start) * 1e3 - max(sleep_ms(i) for i in range(n))
    report("W3", "late_ms", f"{late_ms:.2f}")
async def limited_worker(semaphore):
    async with semaphore:
        await asyncio.sleep(0.010)


async def semaphore_workers(n):
    semaphore = asyncio.Semaphore(5)
    cpu_start, start = cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(asyncio.create_task(limited_worker(semaphore))
                           for _ in range(n)))
    elapsed = time.perf_counter() - start
    report("W4", "wall_ms", f"{elapsed * 1e3:.1f}")
    report("W4", "cpu_ms", f"{(cpu_seconds() - cpu_start) * 1e3:.2f}")
async def sleep_one_second():
    await asyncio.sleep(1.0)


async def million_sleepers(n):
    rss_before = peak_rss_bytes()
    start = time.perf_counter()
    tasks = [asyncio.create_task(sleep_one_second()) for _ in range(n)]
    await asyncio.gather(*tasks)
    del tasks
    elapsed = time.perf_counter() - start
    report("W5", "past_sleep_s", f"{elapsed - 1.0:.3f}")
    report("W5", "bytes_per_task", f"{(peak_rss_bytes() - rss_before) / n:.0f}")
CLIENTS_APART_PAST = 1000  # connections
W6 = {"role": "both ends", "pairs": [], "go": None, "clients": None}


def connect_pairs(n):
    """Before the loop exists: W6's ends, in this process or split between two."""
    apart = n > CLIENTS_APART_PAST
    need = (1 if apart else 2) * n + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(hard, need)))
    listener = socket.create_server(("127.0.0.1", 0), backlog=socket.SOMAXCONN)
    if apart:
        word_read, word_write = os.pipe()
        W6["clients"] = os.fork()
        W6["role"], W6["go"] = ("clients", word_read) if W6["clients"] == 0 else ("servers", word_write)
        os.close(word_write if W6["role"] == "clients" else word_read)
    for _ in range(n):
        client = socket.create_connection(listener.getsockname()) if W6["role"] != "servers" else None
        server = listener.accept()[0] if W6["role"] != "clients" else None
        for end in (client, server):
            if end is not None:
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        W6["pairs"].append((server, client))
    listener.close()
    if W6["role"] == "clients" and os.read(W6["go"], 1) != b"g":
        sys.exit(1)  # the parent is gone
async def echo_back(sock):
    reader, writer = await asyncio.open_connection(sock=sock)
    while data := await reader.read(512):
        writer.write(data)
        await writer.drain()
    writer.close()


async def ask_and_wait(sock, round_trips):
    reader, writer = await asyncio.open_connection(sock=sock)
    message = b"p" * 64
    for _ in range(round_trips):
        writer.write(message)
        await writer.drain()
        await reader.readexactly(64)
    writer.close()
async def echo_pairs(n):
    round_trips = ROUND_TRIPS_EACH or max(200_000 // n, 1)
    if W6["role"] == "servers":
        os.write(W6["go"], b"g")
    start = time.perf_counter()
    tasks = []
    for server, client in W6["pairs"]:  # each process runs the ends it holds
        if server:
            tasks.append(asyncio.create_task(echo_back(server)))
        if client:
            tasks.append(asyncio.create_task(ask_and_wait(client, round_trips)))
    await asyncio.gather(*tasks)
    del tasks
    elapsed = time.perf_counter() - start
    if W6["role"] == "servers" and os.waitstatus_to_exitcode(os.waitpid(W6["clients"], 0)[1]) != 0:
        sys.exit("peer_asyncio.py: the clients' process failed")
    if W6["role"] != "clients":
        report("W6", "round_trips_per_s", f"{n * round_trips / elapsed:.0f}")
WORKLOADS = {"W1": (spawn_and_gather, 100_000), "W2": (ping_pong, 1_000_000),
             "W3": (random_sleepers, 100_000), "W4": (semaphore_workers, 50),
             "W5": (million_sleepers, 1_000_000), "W6": (echo_pairs, 100)}
USAGE = "usage: peer_asyncio.py W1|W2|W3|W4|W5 [N >= 2] | W6 [N [ROUND_TRIPS_EACH]] [--uvloop]"
ROUND_TRIPS_EACH = 0  # W6's third argument; 0: 200,000 in all


def main(argv):
    global PEER, ROUND_TRIPS_EACH
    args = [arg for arg in argv if arg != "--uvloop"]
    loop_factory = None
    if len(args) < len(argv):
        import uvloop
        loop_factory, PEER = uvloop.new_event_loop, "uvloop"
    workload, n = WORKLOADS.get(args[0] if args else "", (None, 0))
    if len(args) >= 2:
        n = int(args[1]) if args[1].isdigit() else 0
    if len(args) == 3:
        ROUND_TRIPS_EACH = int(args[2]) if args[2].isdigit() and args[0] == "W6" else 0
    if workload is None or len(args) > 3 or n < 2 or (len(args) == 3 and ROUND_TRIPS_EACH < 1):
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    if workload is echo_pairs:
        connect_pairs(n)
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(workload(n))


if __name__ == "__main__":
    main(sys.argv[1:])
