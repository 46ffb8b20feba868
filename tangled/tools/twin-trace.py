#!/usr/bin/env python3
"""twin-trace.py TRACE.json TWIN.py [ARG...]: run a Python twin, unchanged, and write what
asyncio did as the Chrome trace the runtime writes (chapter 11), on the real clock."""
import asyncio
import collections.abc
import json
import runpy
import sys
import time

events = []                                    # the trace, in the order things were noted
run = {"pid": 0, "origin": 0.0, "tasks": 0}    # the asyncio.run being recorded


def now_us():
    """Microseconds since this run's loop was made, on the clock loop.time() reads."""
    return (time.monotonic() - run["origin"]) * 1e6


def record(phase, tid, name, ts=None, **fields):
    events.append({"ph": phase, "pid": run["pid"], "tid": tid,
                   "ts": now_us() if ts is None else ts, "name": name, **fields})
class Steps(collections.abc.Coroutine):
    """A task's coroutine, seen through: each send or throw the task makes is one step."""
    def __init__(self, coro, tid):
        self.coro, self.tid, self.since, self.what = coro, tid, None, ""

    def send(self, value):
        return self.step(self.coro.send, value)

    def throw(self, *exception):
        return self.step(self.coro.throw, *exception)

    def close(self):
        return self.coro.close()

    def __await__(self):
        return self.coro.__await__()
    def step(self, resume, *args):
        start = now_us()
        if self.since is not None:              # the wait this step ends
            record("X", self.tid, f"waiting: {self.what}", ts=self.since,
                   dur=start - self.since, cat="wait")
        try:
            awaited = resume(*args)
        except BaseException as end:
            record("X", self.tid, "running", ts=start, dur=now_us() - start, cat="step")
            self.ended(end)
            raise
        self.since = now_us()
        record("X", self.tid, "running", ts=start, dur=self.since - start, cat="step")
        self.what = awaiting(self.coro, awaited)
        return awaited

    def ended(self, end):
        status = {StopIteration: "OK", asyncio.CancelledError: "CANCELLED",
                  TimeoutError: "TIMEOUT"}.get(type(end), "ERROR")
        if status == "TIMEOUT":
            record("i", self.tid, "timeout", s="t")
        record("i", self.tid, "end", s="t", args={"detail": status})
def awaiting(coro, awaited):
    """The innermost coroutine the task's coroutine awaits (sleep, acquire, wait_for),
    or else the kind of future it awaits itself (a gather, a task)."""
    inner = coro
    while hasattr(getattr(inner, "cr_await", None), "cr_code"):
        inner = inner.cr_await
    if inner is not coro:
        return inner.cr_code.co_name
    if isinstance(awaited, asyncio.Task):
        return "task"
    return "gather" if type(awaited).__name__ == "_GatheringFuture" else "future"
class TracedTask(asyncio.Task):
    """A task that notes in the trace when it is asked to stop."""
    def cancel(self, msg=None):
        record("i", self.tid, "cancel", s="t")
        return super().cancel(msg)


def new_task(loop, coro, **options):
    code = getattr(coro, "cr_code", None)
    if code is None or "/asyncio/" in code.co_filename:
        return asyncio.Task(coro, loop=loop, **options)
    run["tasks"] += 1
    task = TracedTask(Steps(coro, run["tasks"]), loop=loop, **options)
    task.tid = run["tasks"]
    record("M", task.tid, "thread_name", args={"name": code.co_name})
    record("i", task.tid, "created", s="t")
    return task
class Policy(asyncio.DefaultEventLoopPolicy):
    """asyncio.run asks for a new loop: each loop is one run of the trace."""
    def new_event_loop(self):
        loop = super().new_event_loop()
        run.update(pid=run["pid"] + 1, origin=time.monotonic(), tasks=0)
        record("M", 0, "process_name", args={"name": f"asyncio.run {run['pid']}"})
        loop.set_task_factory(new_task)
        return loop
holders = {}             # semaphore: [(task, hold id)], in the order they got in
real_acquire, real_release = asyncio.Semaphore.acquire, asyncio.Semaphore.release


async def acquire(self):
    got = await real_acquire(self)
    task, hold = asyncio.current_task(), len(events)
    holders.setdefault(self, []).append((task, hold))
    record("b", task.tid, "holding a semaphore", cat="hold", id=hold)
    return got


def release(self):
    mine, task = holders.get(self, []), asyncio.current_task()
    if mine:
        holder, hold = mine.pop(next((n for n, (t, _) in enumerate(mine) if t is task), 0))
        record("e", holder.tid, "holding a semaphore", cat="hold", id=hold)
    real_release(self)
def main():
    if len(sys.argv) < 3:
        sys.exit("usage: twin-trace.py TRACE.json TWIN.py [ARG...]")
    output, twin = sys.argv[1:3]
    sys.argv = sys.argv[2:]                 # the twin sees its own name and arguments
    asyncio.set_event_loop_policy(Policy())
    asyncio.Semaphore.acquire, asyncio.Semaphore.release = acquire, release
    try:
        runpy.run_path(twin, run_name="__main__")
    finally:
        with open(output, "w") as file:
            json.dump({"traceEvents": events}, file)
    if "--facts" in sys.argv:
        print_lengths()
def print_lengths():
    steps = [e for e in events if e["ph"] == "X" and e["cat"] == "step"]
    for pid in sorted({e["pid"] for e in steps}):
        mine = [e for e in steps if e["pid"] == pid]
        first, last = min(e["ts"] for e in mine), max(e["ts"] + e["dur"] for e in mine)
        print(f"FACT clock.run{pid}.ms {(last - first) / 1000:.0f}")

main()
