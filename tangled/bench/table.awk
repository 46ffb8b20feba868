# table.awk -v what=table|scaling|chart|tracing|floors|facts: the RESULT lines of make bench -> medians.
/^# / { header[++headers] = substr($0, 3) }
$1 == "RESULT" { key = $2 " " $4; values[key, $3] = values[key, $3] " " $5; seen[key] = 1 }

function sort_numbers(list, a,    count, i, j, t) {
    count = split(list, a, " ")
    for (i = 2; i <= count; i++)
        for (j = i; j > 1 && a[j] + 0 < a[j - 1] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return count
}

function median(key, program,    a, count) {
    count = sort_numbers(values[key, program], a)
    if (count == 0) return ""
    return count % 2 ? a[(count + 1) / 2] : (a[count / 2] + a[count / 2 + 1]) / 2
}

function spread(key, program,    a, count) {
    count = sort_numbers(values[key, program], a)
    return count == 0 ? "" : number(a[1]) ".." number(a[count])
}

function number(x) {   # three significant digits, no exponent
    x += 0
    if (x < 0) return "-" number(-x)
    if (x >= 100) return sprintf("%.0f", x)
    if (x >= 10) return sprintf("%.1f", x)
    if (x >= 1) return sprintf("%.2f", x)
    return x >= 0.01 ? sprintf("%.3f", x) : sprintf("%.2g", x)
}
function table(    i, key, keys, count, p, cell) {
    for (i = 1; i <= headers; i++) print header[i]
    printf "\n%-29s", "workload metric"
    for (p = 1; p <= program_count; p++) printf " %12s", programs[p]
    printf "\n"
    count = 0
    for (key in seen) if (key ~ /^W/ && (key !~ /@/ || key ~ /^W6@/)) keys[++count] = key
    sort_keys(keys, count)
    for (i = 1; i <= count; i++) {
        key = keys[i]
        printf "%-29s", key
        for (p = 1; p <= program_count; p++) {
            cell = median(key, programs[p])
            printf " %12s", cell == "" ? "-" : number(cell)
        }
        printf "\n%-29s", ""
        for (p = 1; p <= program_count; p++) printf " %12s", spread(key, programs[p])
        printf "\n"
    }
}

function sort_keys(keys, count,    i, j, t) {
    for (i = 2; i <= count; i++)
        for (j = i; j > 1 && keys[j] < keys[j - 1]; j--) { t = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = t }
}
function scaling(    sizes) {
    split("10000 100000 1000000", sizes, " ")
    printf "%-34s %9s %9s %9s\n", "cold cost per task, µs", "10k", "100k", "1M"
    scaling_row("W1 spawn+gather: aio (cold)", "W1", "us_per_task", "aio", 1, sizes)
    scaling_row("           aio (warm)", "W1", "us_per_task_warm", "aio", 1, sizes)
    scaling_row("           asyncio", "W1", "us_per_task", "asyncio", 1, sizes)
    scaling_row("           libuv", "W1", "us_per_task", "libuv", 1, sizes)
    scaling_row("W5 sleepers, past the sleep: aio", "W5", "past_sleep_s", "aio", 1e6, sizes)
    scaling_row("           asyncio", "W5", "past_sleep_s", "asyncio", 1e6, sizes)
    scaling_row("           libuv", "W5", "past_sleep_s", "libuv", 1e6, sizes)
    scaling_row("a fresh page: a fault", "FLOOR", "us_per_page", "aio", 1, sizes)
    scaling_row("    populated in bulk, written", "FLOOR", "us_per_page_populated", "aio", 1, sizes)
    scaling_row("    a fault under a guard", "FLOOR", "us_per_page_guarded", "aio", 1, sizes)
    scaling_row("a warm stack, visited twice", "FLOOR", "us_per_task_warm", "aio", 1, sizes)
    printf "%-34s %9s %9s %9s\n", "W5 memory per task, bytes", "", "", ""
    scaling_row("           aio", "W5", "bytes_per_task", "aio", 0, sizes)
    scaling_row("           asyncio", "W5", "bytes_per_task", "asyncio", 0, sizes)
    scaling_row("           libuv", "W5", "bytes_per_task", "libuv", 0, sizes)
}
function scaling_row(label, workload, metric, program, per, sizes,    s, name, m) {
    printf "%-34s", label
    for (s = 1; s <= 3; s++) {
        name = sizes[s] == default_size[workload] ? workload : workload "@" sizes[s]
        m = median(name " " metric, program)
        printf " %9s", m == "" ? "-" : number(per > 1 ? m * per / sizes[s] : m)
    }
    printf "\n"
}

BEGIN { default_size["W1"] = 100000; default_size["W5"] = 1000000 }
function add_figure(key, label) { figures[++figure_count] = key; labels[figure_count] = label }

function chart(    key, w6, count, i, j, t, f, p) {
    add_figure("W1 us_per_task", "W1 spawn"); add_figure("W2 ns_per_switch", "W2 switch")
    add_figure("W3 late_ms", "W3 late");      add_figure("W4 cpu_ms", "W4 CPU")
    add_figure("W5 past_sleep_s", "W5 time"); add_figure("W5 bytes_per_task", "W5 bytes")
    for (key in seen) if (key ~ /^W6@[0-9x]+ round_trips_per_s$/) w6[++count] = key
    for (i = 2; i <= count; i++)   # W6 by its number of connections, fewest first
        for (j = i; j > 1 && substr(w6[j], 4) + 0 < substr(w6[j - 1], 4) + 0; j--) {
            t = w6[j]; w6[j] = w6[j - 1]; w6[j - 1] = t
        }
    for (i = 1; i <= count; i++) add_figure(w6[i], "W6 " substr(w6[i], 4, index(w6[i], "x") - 4))
    printf "figure"
    for (p = 1; p <= program_count; p++) printf "\t%s", programs[p]
    printf "\n"
    for (f = 1; f <= figure_count; f++) chart_row(figures[f], labels[f])
}
function chart_row(key, label,    higher, best, p, m) {
    higher = key ~ /per_s$/
    for (p = 1; p <= program_count; p++) {
        m[p] = median(key, programs[p])
        if (m[p] != "" && key ~ /late_ms/ && m[p] < 1) m[p] = 1
        if (m[p] != "" && (best == "" || (higher ? m[p] > best : m[p] < best))) best = m[p]
    }
    if (best == "" || best <= 0) return
    printf "\"%s\"", label
    for (p = 1; p <= program_count; p++) {
        if (m[p] == "" || m[p] <= 0) printf "\t?"
        else printf "\t%.4g", higher ? best / m[p] : m[p] / best
    }
    printf "\n"
}
function floors(    page100k) {
    page100k = cheapest("FLOOR@100000")
    printf "%-27s %16s %9s %9s  %s\n", "workload, unit", "target", "runtime", "floor", "verdict"
    floor_row("W1 cold, us/task", "1.3x", median("W1 us_per_task", "aio"), page100k)
    floor_row("  with a guard per stack", "1.3x", median("W1 us_per_task", "aio"),
              median("FLOOR@100000 us_per_page_guarded", "aio"))
    floor_row("W1 warm, us/task", 0.1, median("W1 us_per_task_warm", "aio"),
              median("FLOOR@100000 us_per_task_warm", "aio"))
    floor_row("W2, ns/switch", 15, median("W2 ns_per_switch", "aio"), median("SWITCH ns_per_switch", "aio"))
    floor_row("W3 cold, ms late", 100, median("W3 late_ms", "aio"), scaled(page100k, 100000 / 1000))
    floor_row("W3 warm, ms late", 100, median("W3 late_ms_warm", "aio"),
              scaled(median("FLOOR@100000 us_per_task_warm", "aio"), 100000 / 1000))
    floor_row("W4 CPU, ms", 0.45, median("W4 cpu_ms", "aio"),
              sum(median("FLOOR@10000 cpu_ms_ten_sleeps", "aio"), scaled(cheapest("FLOOR@10000"), 50 / 1000)))
    floor_row("W5 past the sleep, us/task", "1.3x", median("W5 past_sleep_s", "aio"), cheapest("FLOOR@1000000"))
    floor_row("  with a guard per stack", "1.3x", median("W5 past_sleep_s", "aio"),
              median("FLOOR@1000000 us_per_page_guarded", "aio"))
}
function facts(    i, sizes, faulted, populated, fault_wins, populate_wins) {
    split("10000 100000 1000000", sizes, " ")
    for (i = 1; i <= 3; i++) {
        faulted = median("FLOOR@" sizes[i] " us_per_page", "aio")
        populated = median("FLOOR@" sizes[i] " us_per_page_populated", "aio")
        if (faulted == "" || populated == "") continue
        if (faulted + 0 < populated + 0) fault_wins++; else populate_wins++
    }
    print "FACT fresh_page.cheaper " (fault_wins && !populate_wins ? "a page fault" : \
        populate_wins && !fault_wins ? "populating in bulk" : "neither: the counts disagree")
}
function cheapest(tag,    faulted, populated) {
    faulted = median(tag " us_per_page", "aio"); populated = median(tag " us_per_page_populated", "aio")
    return populated != "" && (faulted == "" || populated + 0 < faulted + 0) ? populated : faulted
}
function scaled(x, factor) { return x == "" ? "" : x * factor }
function sum(x, y) { return x == "" || y == "" ? "" : x + y }

function floor_row(label, target, runtime, floor,    bound, verdict) {
    bound = target ~ /x$/ ? (target + 0) * floor : target   # "1.3x": that many times the floor
    if (runtime == "" || floor == "") verdict = "not measured"
    else verdict = runtime <= bound ? "met" : floor >= bound ? "below the floor" : "not met"
    printf "%-27s %16s %9s %9s  %s\n", label, target ~ /x$/ ? "<= " (target + 0) " x floor" : "<= " target,
        runtime == "" ? "-" : number(runtime), floor == "" ? "-" : number(floor), verdict
}

# The runtime with chapter 11's hooks (aio) and without them (aio-untraced), side by side,
# and whether the difference of the medians is larger than the spread of either's rounds.
function tracing(    i, key, keys, with, without, widest) {
    print header[1]
    printf "%-22s %12s %12s %11s  %s\n", "workload metric", "with hooks", "without", "difference",
        "the clock"
    split("W1 us_per_task|W1 us_per_task_warm|W2 ns_per_switch", keys, "|")
    for (i = 1; i <= 3; i++) {
        key = keys[i]; with = median(key, "aio"); without = median(key, "aio-untraced")
        if (with == "" || without == "") { printf "%-22s %12s\n", key, "not measured"; continue }
        widest = width(key, "aio") > width(key, "aio-untraced") ? width(key, "aio") : width(key, "aio-untraced")
        printf "%-22s %12s %12s %+10.1f%%  %s\n", key, number(with), number(without),
            100 * (with - without) / without,
            (with - without < widest && without - with < widest) ? "within the spread" : "beyond the spread"
        printf "%-22s %12s %12s\n", "", spread(key, "aio"), spread(key, "aio-untraced")
    }
}
function width(key, program,    a, count) {   # the highest round minus the lowest
    count = sort_numbers(values[key, program], a)
    return count == 0 ? 0 : a[count] - a[1]
}

END {
    program_count = split("aio aio-epoll asyncio uvloop node libuv", programs, " ")
    if (what == "table") table()
    else if (what == "scaling") scaling()
    else if (what == "chart") chart()
    else if (what == "tracing") tracing()
    else if (what == "floors") floors()
    else if (what == "facts") facts()
    else { print "table.awk: -v what=table|scaling|chart|tracing|floors|facts" > "/dev/stderr"; exit 2 }
}
