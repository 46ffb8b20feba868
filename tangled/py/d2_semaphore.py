"""d2_semaphore.py: demo D2 in asyncio: fifty workers, at most five inside a semaphore at once."""
import asyncio
import sys

# --facts: after the usual output, print FACT lines for the parity check.
if sys.argv[1:] not in ([], ["--facts"]):
    sys.exit(f"usage: {sys.argv[0]} [--facts]")
FACTS = sys.argv[1:] == ["--facts"]


def fact(key, *values):
    print("FACT", key, *values)

WORKERS, LIMIT, SLEEP_MS = 50, 5, 10

class Run:
    """One run: its semaphore, and who got in and left when."""
    def __init__(self, limit):
        self.semaphore = asyncio.Semaphore(limit)
        self.start = asyncio.get_running_loop().time()
        self.entered, self.left, self.entry_order = {}, {}, []
        self.inside = self.peak = 0

    def elapsed_ms(self):
        return (asyncio.get_running_loop().time() - self.start) * 1000
async def worker(i, run):
    async with run.semaphore:
        run.entered[i] = run.elapsed_ms()
        run.entry_order.append(i)
        run.inside += 1
        run.peak = max(run.peak, run.inside)
        await asyncio.sleep(SLEEP_MS / 1000)      # the work
        run.inside -= 1
        run.left[i] = run.elapsed_ms()
def waves(run):
    groups, first_exit = [], 0.0
    for i in run.entry_order:
        if groups and run.entered[i] < first_exit:
            groups[-1].append(i)
            first_exit = min(first_exit, run.left[i])
        else:
            groups.append([i])
            first_exit = run.left[i]
    return groups


def print_waves(run):
    print("         0         50       100 ms")
    for number, wave in enumerate(waves(run), 1):
        start, end = run.entered[wave[0]], max(run.left[i] for i in wave)
        bar = "".join("#" if start <= cell * 5 + 2.5 < end else "." for cell in range(20))
        print(f"wave {number:2}  |{bar}|  in at {start:5.1f} ms: workers",
              *(f"{i:2}" for i in wave))
def print_facts(limit, run):
    fact(f"semaphore_{limit}.peak_inside", run.peak)
    fact(f"semaphore_{limit}.waves", len(waves(run)))
    as_created = run.entry_order == list(range(WORKERS))
    fact(f"semaphore_{limit}.entry_order", "as created" if as_created else "other")
async def run_workers(limit):
    run = Run(limit)
    tasks = [asyncio.create_task(worker(i, run)) for i in range(WORKERS)]
    await asyncio.gather(*tasks)
    total_ms = run.elapsed_ms()
    print(f"{WORKERS} workers, a semaphore of {limit}, each sleeps {SLEEP_MS} ms inside it")
    if limit < WORKERS:
        print_waves(run)
    print(f"peak inside: {run.peak}   waves: {len(waves(run))}   total: {total_ms:.1f} ms\n")
    if FACTS:
        print_facts(limit, run)

asyncio.run(run_workers(LIMIT))
asyncio.run(run_workers(WORKERS))
