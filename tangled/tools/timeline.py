#!/usr/bin/env python3
"""timeline.py TABLE DEMO TRACE svg|pdf OUTPUT: a gnuplot script drawing a trace's timeline."""
import json
import sys

def read_table(path, demo):
    for line in open(path):
        fields = [field.strip() for field in line.split("|")]
        if fields[0] == demo and len(fields) == 4:
            runs = [int(run) for run in fields[1].split(",")]
            return runs, int(fields[2]), [t.strip() for t in fields[3].split(";")]
    sys.exit(f"timeline: no line for {demo} in {path}")


def read_runs(path, wanted):
    events = json.load(open(path))["traceEvents"]
    runs = {pid: {"names": {}, "events": []} for pid in wanted}
    for e in events:
        run = runs.get(e["pid"])
        if run is None:
            continue
        if e["ph"] == "M" and e["name"] == "thread_name":
            run["names"][e["tid"]] = e["args"]["name"]
        elif e["ph"] != "M":
            run["events"].append(e)
    return [runs[pid] for pid in wanted]
def shapes(run, most):
    tids = sorted(run["names"])[:most]
    row = {tid: index for index, tid in enumerate(tids)}
    start = min((e["ts"] for e in run["events"] if e["ph"] == "X"), default=0)
    kinds = {"running": [], "waiting": [], "holding": [], "cancel": [], "timeout": [], "error": []}
    holding = {}
    for e in run["events"]:
        if e["tid"] not in row:
            continue
        y, t = -row[e["tid"]], (e["ts"] - start) / 1000
        if e["ph"] == "X":
            kind = "waiting" if e["cat"] == "wait" else "running"
            kinds[kind].append((t, t + e["dur"] / 1000, y))
        elif e["ph"] == "b":
            holding[e["id"]] = t
        elif e["ph"] == "e" and e["id"] in holding:
            kinds["holding"].append((holding.pop(e["id"]), t, y))
        elif e["ph"] == "i" and e["name"] in ("cancel", "timeout"):
            kinds[e["name"]].append((t, t, y))
        elif e["ph"] == "i" and e["name"] == "end" and e.get("args", {}).get("detail") == "ERROR":
            kinds["error"].append((t, t, y))
    labels = label_rows([run["names"][tid] for tid in tids])
    end = max((b for spans in kinds.values() for _, b, _ in spans), default=1)
    return labels, kinds, end
def label_rows(names):
    seen = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        count = names.count(name)
        labels.append(f"{name} {seen[name] - 1}" if count > 1 else name)
    return labels
STYLE = {  # kind: (what gnuplot draws, colour, bar half-height or point type, legend)
    "waiting": ("bar", "#c9d3e0", 0.30, "waiting"),
    "running": ("bar", "#1f4e99", 0.30, "running"),
    "holding": ("bar", "#e08a00", 0.10, "holding a semaphore"),
    "cancel": ("point", "#c00000", 2, "cancel asked"),
    "timeout": ("point", "#7b2fbf", 9, "timeout"),
    "error": ("point", "#000000", 5, "failed"),
}


def plot_clauses(panel, kinds, legend):
    clauses = []
    for kind, (shape, colour, size, title) in STYLE.items():
        if not kinds[kind]:
            continue
        key = f'title "{title}"' if legend else "notitle"
        if shape == "bar":
            edge = 'border lc rgb "white" lw 0.5' if kind == "waiting" else "noborder"
            clauses.append(f'$p{panel}_{kind} using (($1+$2)/2):3:(($2-$1)/2):({size}) '
                           f'with boxxyerror fs solid 1.0 {edge} fc rgb "{colour}" {key}')
        else:
            clauses.append(f'$p{panel}_{kind} using 1:3 with points pt {size} ps 0.8 '
                           f'lw 1.5 lc rgb "{colour}" {key}')
    return clauses
def main():
    table, demo, trace, form, output = sys.argv[1:6]
    wanted, most, titles = read_table(table, demo)
    panels = [shapes(run, most) for run in read_runs(trace, wanted)]
    x_end = max(end for _, _, end in panels) * 1.02
    for _, kinds, _ in panels:   # a step shorter than a pixel is drawn a pixel wide
        kinds["running"] = [(a, max(b, a + x_end / 500), y) for a, b, y in kinds["running"]]
    rows = sum(len(labels) for labels, _, _ in panels)
    height = rows * ROW_CM + len(panels) * (HEAD_CM + TICKS_CM) + FOOT_CM
    if form == "svg":
        print(f'set terminal svg size 760,{int(height * 38)} font "DejaVu Sans,11" '
              'background rgb "white"')
    else:
        print(f'set terminal pdfcairo size 16cm,{height:.2f}cm font "DejaVu Sans,7"')
    print(f'set termoption noenhanced\nset output "{output}"\nset multiplot\nset lmargin 20\nset rmargin 3')
    print(f'set xrange [0:{x_end:.3f}]\nset grid xtics lc rgb "#dddddd"\nset border 3')
    print(f'set key at screen 0.5,{0.15 / height:.4f} center bottom horizontal font ",9" samplen 1.5')
    print('set tics nomirror')
    top = height
    for index, (labels, kinds, _) in enumerate(panels):
        plot_top = top - HEAD_CM
        plot_bottom = plot_top - len(labels) * ROW_CM
        top = plot_bottom - TICKS_CM
        print(f"set tmargin at screen {plot_top / height:.4f}\nset bmargin at screen {plot_bottom / height:.4f}")
        print(f'set title "{titles[index] if index < len(titles) else ""}" font ",10"')
        print(f"set yrange [{-len(labels) + 0.5}:0.5]")
        print("set ytics (" + ", ".join(f'"{l}" {-i}' for i, l in enumerate(labels)) + ') font ",8"')
        print('set xlabel "ms"' if index == len(panels) - 1 else "unset xlabel")
        for kind, spans in kinds.items():
            if spans:
                print(f"$p{index}_{kind} << EOD")
                print("\n".join(f"{a:.4f} {b:.4f} {y}" for a, b, y in spans))
                print("EOD")
        last = index == len(panels) - 1
        print("plot " + ", \\\n     ".join(plot_clauses(index, kinds, last)))
    print("unset multiplot")
ROW_CM, HEAD_CM, TICKS_CM, FOOT_CM = 0.42, 0.9, 0.7, 1.3   # one row; above, below a panel; the foot

main()
