# table.awk -v what=table|scaling|chart: the RESULT lines of make bench -> medians.
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
    return x >= 1000 ? sprintf("%.0f", x) : x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) \
         : x >= 1 ? sprintf("%.2f", x) : x >= 0.01 ? sprintf("%.3f", x) : sprintf("%.2g", x)
}
function table(    i, key, keys, count, p, cell) {
    for (i = 1; i <= headers; i++) print header[i]
    printf "\n%-29s", "workload metric"
    for (p = 1; p <= 5; p++) printf " %12s", programs[p]
    printf "\n"
    count = 0
    for (key in seen) if (key !~ /@/ || key ~ /^W6@/) keys[++count] = key
    sort_keys(keys, count)
    for (i = 1; i <= count; i++) {
        key = keys[i]
        printf "%-29s", key
        for (p = 1; p <= 5; p++) { cell = median(key, programs[p]); printf " %12s", cell == "" ? "-" : number(cell) }
        printf "\n%-29s", ""
        for (p = 1; p <= 5; p++) printf " %12s", spread(key, programs[p])
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
    scaling_row("first touch of a fresh page", "FLOOR", "us_per_page", "aio", 1, sizes)
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
function chart(    f, figures, labels, p, m, best, count, higher, key) {   # W6 at the sizes it ran at
    count = split("W1 us_per_task|W2 ns_per_switch|W3 late_ms|W4 cpu_ms|W5 past_sleep_s|W5 bytes_per_task", figures, "|")
    split("W1 spawn|W2 switch|W3 late|W4 CPU|W5 time|W5 bytes", labels, "|")
    for (key in seen) if (key ~ /^W6@[0-9x]+ round_trips_per_s$/) {   # fewest connections first
        for (f = ++count; f > 1 && labels[f - 1] ~ /^W6/ && substr(labels[f - 1], 4) + 0 > substr(key, 4) + 0; f--) {
            figures[f] = figures[f - 1]; labels[f] = labels[f - 1]
        }
        figures[f] = key
        labels[f] = "W6 " substr(key, 4, index(key, "x") - 4)
    }
    printf "figure"
    for (p = 1; p <= 5; p++) printf "\t%s", programs[p]
    printf "\n"
    for (f = 1; f <= count; f++) {
        higher = figures[f] ~ /per_s$/
        best = ""
        for (p = 1; p <= 5; p++) {
            m[p] = median(figures[f], programs[p])
            if (m[p] != "" && figures[f] ~ /late_ms/ && m[p] < 1) m[p] = 1
            if (m[p] != "" && (best == "" || (higher ? m[p] > best : m[p] < best))) best = m[p]
        }
        if (best == "" || best <= 0) continue
        printf "\"%s\"", labels[f]
        for (p = 1; p <= 5; p++) printf "\t%s", m[p] == "" || m[p] <= 0 ? "?" : sprintf("%.4g", higher ? best / m[p] : m[p] / best)
        printf "\n"
    }
}

END {
    split("aio asyncio uvloop node libuv", programs, " ")
    if (what == "table") table()
    else if (what == "scaling") scaling()
    else if (what == "chart") chart()
    else { print "table.awk: -v what=table|scaling|chart" > "/dev/stderr"; exit 2 }
}
