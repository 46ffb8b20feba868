"""d4_cancel.py: demo D4 in asyncio: a task cancelled mid-work, cleaning up, and the wrong way."""
import asyncio
import sys

# --facts: after the usual output, print FACT lines for the parity check.
if sys.argv[1:] not in ([], ["--facts"]):
    sys.exit(f"usage: {sys.argv[0]} [--facts]")
FACTS = sys.argv[1:] == ["--facts"]


def fact(key, *values):
    print("FACT", key, *values)

seen = {}                # what happened, for the facts
run_start = 0.0


def log(text):
    print(f"{(asyncio.get_running_loop().time() - run_start) * 1000:6.0f} ms  {text}")


async def well_behaved():
    try:
        for item in range(1, 11):
            await asyncio.sleep(0.1)
            log(f"worker: item {item} done")
        return 10
    except asyncio.CancelledError:
        log(f"worker: cancelled during item {item}; cleaning up")
        await asyncio.sleep(0.02)            # the cleanup may itself wait
        log("worker: cleanup done, propagating the cancellation")
        seen["cleaned_up"] = True
        raise
async def swallower():
    done = 0
    for item in range(1, 11):
        try:
            await asyncio.sleep(0.1)
        except asyncio.CancelledError:       # wrong: swallowed
            log("worker: sleep failed; carrying on anyway")
        done += 1
    log(f"worker: all {done} items done, returning normally")
    return done
async def cancel_and_watch(worker):
    global run_start
    run_start = asyncio.get_running_loop().time()
    task = asyncio.create_task(worker())
    await asyncio.sleep(0.25)
    log('main: cancel(worker, "user pressed stop")')
    task.cancel("user pressed stop")
    try:
        value = await task
    except asyncio.CancelledError as cancelled:
        log(f'main: the worker ended CANCELLED ("{cancelled}")')
        seen["awaited"], seen["cancelled"] = f"cancelled: {cancelled}", True
    else:
        log(f"main: the worker ended normally with {value}; the cancellation was "
            f"lost (cancelling() = {task.cancelling()})")
        seen["awaited"], seen["cancelled"] = f"value {value}", False
    seen["cancelling"] = task.cancelling()
def print_facts(half):
    fact(f"{half}.cleanup", "ran" if seen.get("cleaned_up") else "none")
    fact(f"{half}.awaiter_saw", seen["awaited"])
    lost = "lost" if seen["cancelling"] > 0 else "none"
    fact(f"{half}.cancellation", "propagated" if seen["cancelled"] else lost)
    seen.clear()             # the next half starts afresh

print("The right way:")
asyncio.run(cancel_and_watch(well_behaved))
if FACTS:
    print_facts("right")
print("\nThe wrong way:")
asyncio.run(cancel_and_watch(swallower))
if FACTS:
    print_facts("wrong")
