"""d1_gather.py: demo D1 in asyncio: five workers, gathered, and then one after another."""
import asyncio
import sys

# --facts: after the usual output, print FACT lines for the parity check.
if sys.argv[1:] not in ([], ["--facts"]):
    sys.exit(f"usage: {sys.argv[0]} [--facts]")
FACTS = sys.argv[1:] == ["--facts"]


def fact(key, *values):
    print("FACT", key, *values)

WORKERS = 5
SLEEP_MS = [300, 100, 400, 200, 250]
events = []              # ("start", i) and ("end", i), in the order they happened
run_start = 0.0


def elapsed_ms():
    return (asyncio.get_running_loop().time() - run_start) * 1000


async def worker(i):
    print(f"  {elapsed_ms():6.1f} ms  worker {i} starts, will sleep {SLEEP_MS[i]} ms")
    events.append(("start", i))
    await asyncio.sleep(SLEEP_MS[i] / 1000)
    events.append(("end", i))
    print(f"  {elapsed_ms():6.1f} ms  worker {i} ends")
    return i * i
async def concurrently():
    global run_start
    run_start = asyncio.get_running_loop().time()
    print(f"gather: create {WORKERS} tasks, then gather them")
    tasks = [asyncio.create_task(worker(i)) for i in range(WORKERS)]
    results = await asyncio.gather(*tasks)
    print("gather: results", *results,
          f"after {elapsed_ms():.0f} ms (the longest sleep is 400 ms)\n")
    if FACTS:
        print_facts("gather", results)
async def sequentially():
    global run_start
    run_start = asyncio.get_running_loop().time()
    print("sequential: call each worker and wait for it, no tasks")
    results = [await worker(i) for i in range(WORKERS)]
    print("sequential: results", *results,
          f"after {elapsed_ms():.0f} ms (the sum of the sleeps is 1250 ms)")
    if FACTS:
        print_facts("sequential", results)
def print_facts(run, results):
    fact(f"{run}.results", *results)
    fact(f"{run}.end_order", *(i for kind, i in events if kind == "end"))
    last_start = max(n for n, (kind, _) in enumerate(events) if kind == "start")
    first_end = min(n for n, (kind, _) in enumerate(events) if kind == "end")
    fact(f"{run}.overlapped", "yes" if last_start < first_end else "no")
    events.clear()       # the next run counts afresh

asyncio.run(concurrently())
asyncio.run(sequentially())
