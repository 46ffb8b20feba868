"""d3_timeouts.py: demo D3 in asyncio: workers under a timeout, every outcome gathered, a summary."""
import asyncio
import sys
from dataclasses import dataclass

# --facts: after the usual output, print FACT lines for the parity check.
if sys.argv[1:] not in ([], ["--facts"]):
    sys.exit(f"usage: {sys.argv[0]} [--facts]")
FACTS = sys.argv[1:] == ["--facts"]


def fact(key, *values):
    print("FACT", key, *values)

TIMEOUT_MS, CLEANUP_MS = 100, 20


@dataclass
class Job:
    name: str
    work_ms: int
    error: Exception | None = None    # what it fails with, if it does
    cleaned_up: bool = False          # its cleanup after a cancellation ran to its end


JOBS = [Job("users", 40), Job("orders", 300),
        Job("prices", 20, ConnectionRefusedError("connection refused")),
        Job("stock", 80), Job("reviews", 500),
        Job("images", 60, OSError("checksum mismatch")), Job("search", 90)]
run_start = 0.0


def log(text):
    print(f"{(asyncio.get_running_loop().time() - run_start) * 1000:4.0f} ms  {text}")
async def worker(job):
    try:
        await asyncio.sleep(job.work_ms / 1000)
    except asyncio.CancelledError:
        log(f"{job.name:<7} cancelled: closing its connection")
        await asyncio.sleep(CLEANUP_MS / 1000)
        log(f"{job.name:<7} cleanup done")
        job.cleaned_up = True
        raise
    if job.error:
        log(f"{job.name:<7} fails: {job.error}")
        raise job.error
    log(f"{job.name:<7} done")
    return job.work_ms
async def under_timeout(job):
    try:
        return await asyncio.wait_for(worker(job), TIMEOUT_MS / 1000)
    except TimeoutError:
        log(f"{job.name:<7} timed out")
        raise
def kind_of(outcome):
    if isinstance(outcome, TimeoutError):
        return "timed out"
    if isinstance(outcome, Exception):
        return "failed"
    return "cancelled" if isinstance(outcome, BaseException) else "succeeded"


def describe(job, outcome):
    if kind_of(outcome) == "succeeded":
        return f"{job.name} ({outcome} ms)"
    return job.name if kind_of(outcome) == "timed out" else f"{job.name} ({outcome})"


def summarize(outcomes):
    for kind in ("succeeded", "timed out", "failed"):
        mine = [describe(job, outcome) for job, outcome in zip(JOBS, outcomes)
                if kind_of(outcome) == kind]
        print(f"  {kind:<9} {len(mine)}:", ", ".join(mine))
def print_facts(outcomes):
    for kind in ("succeeded", "timed out", "failed"):
        fact(kind.replace(" ", "_"),
             *sorted(job.name for job, outcome in zip(JOBS, outcomes) if kind_of(outcome) == kind))
    fact("cleaned_up", *sorted(job.name for job in JOBS if job.cleaned_up))
async def main():
    global run_start
    run_start = asyncio.get_running_loop().time()
    print(f"{len(JOBS)} workers, each under a {TIMEOUT_MS} ms timeout, one gather for every outcome")
    outcomes = await asyncio.gather(*(under_timeout(job) for job in JOBS),
                                    return_exceptions=True)
    log(f"gather returned {len(outcomes)} outcomes:")
    summarize(outcomes)
    if FACTS:
        print_facts(outcomes)

asyncio.run(main())
