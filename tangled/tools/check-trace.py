#!/usr/bin/env python3
"""check-trace.py TRACE.json [--same-tasks OTHER.json]: check a Chrome Trace Event Format
file's structure and, if asked, that each of its runs has as many tasks as OTHER's."""
import json
import sys

PHASES = {"M", "X", "B", "E", "i", "b", "e", "s", "f"}


def fail(message):
    sys.exit(f"check-trace: {sys.argv[1]}: {message}")


def check_event(event):
    if not isinstance(event, dict):
        fail(f"an event is not an object: {event!r}")
    for key, kind in (("name", str), ("ph", str), ("pid", int), ("tid", int)):
        if not isinstance(event.get(key), kind):
            fail(f"event without a valid {key!r}: {event}")
    phase = event["ph"]
    if phase not in PHASES:
        fail(f"unknown phase {phase!r}: {event}")
    if phase != "M" and not (isinstance(event.get("ts"), (int, float)) and event["ts"] >= 0):
        fail(f"event without a valid time: {event}")
    if phase == "X" and not (isinstance(event.get("dur"), (int, float)) and event["dur"] >= 0):
        fail(f"complete slice without a valid duration: {event}")
    if phase in "bsef" and "id" not in event:
        fail(f"event without an id: {event}")
    if phase == "i" and event.get("s", "t") not in ("t", "p", "g"):
        fail(f"instant with an unknown scope: {event}")
    if phase == "M" and not isinstance(event.get("args"), dict):
        fail(f"metadata without args: {event}")
def check_structure(events):
    epsilon = 0.0015
    slices, open_b, stacks, flows = {}, {}, {}, {}
    for e in events:
        row, phase = (e["pid"], e["tid"]), e["ph"]
        if phase == "X":
            slices.setdefault(row, []).append((e["ts"], e["ts"] + e["dur"]))
        elif phase == "B":
            stacks.setdefault(row, []).append(e["ts"])
        elif phase == "E":
            if not stacks.get(row) or stacks[row].pop() > e["ts"] + epsilon:
                fail(f"E without its B: {e}")
        elif phase in "be":
            key = (e["pid"], e.get("cat"), e["id"])
            if (phase == "b") == (key in open_b):
                fail(f"unpaired {phase}: {e}")
            if phase == "b":
                open_b[key] = e["ts"]
            elif open_b.pop(key) > e["ts"] + epsilon:
                fail(f"e before its b: {e}")
        elif phase in "sf":
            flows.setdefault((e["pid"], e["id"]), []).append((phase, e["ts"]))
    if open_b or any(stacks.values()):
        fail("a B or b without its end")
    for key, ends in flows.items():
        if sorted(p for p, _ in ends) != ["f", "s"] or dict(ends)["s"] > dict(ends)["f"] + epsilon:
            fail(f"flow {key} is not one s followed by one f: {ends}")
    for row, spans in slices.items():
        spans.sort(key=lambda span: (span[0], -span[1]))
        stack = []
        for start, end in spans:
            while stack and stack[-1] <= start + epsilon:
                stack.pop()
            if stack and end > stack[-1] + epsilon:
                fail(f"slices cross on row {row}: one ends at {stack[-1]}, one runs {start}..{end}")
            stack.append(end)
def tasks_per_run(events):
    runs = {}
    for e in events:
        if e["ph"] == "M" and e["name"] == "thread_name":
            runs[e["pid"]] = runs.get(e["pid"], 0) + 1
    return runs


def check_same_tasks(events, other_path):
    with open(other_path) as file:
        other = tasks_per_run(json.load(file)["traceEvents"])
    if tasks_per_run(events) != other:
        fail(f"tasks in each run: {tasks_per_run(events)}, but {other} in {other_path}")


def main():
    if len(sys.argv) not in (2, 4) or sys.argv[2:3] not in ([], ["--same-tasks"]):
        sys.exit("usage: check-trace.py TRACE.json [--same-tasks OTHER.json]")
    with open(sys.argv[1]) as file:
        trace = json.load(file)
    if not isinstance(trace, dict) or not isinstance(trace.get("traceEvents"), list):
        fail("not an object with a traceEvents array")
    events = trace["traceEvents"]
    for event in events:
        check_event(event)
    check_structure(events)
    if len(sys.argv) == 4:
        check_same_tasks(events, sys.argv[3])
    rows = {(e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    runs = {e["pid"] for e in events}
    print(f"trace ok: {len(events)} events, {len(rows)} tasks, {len(runs)} runs")


main()
