# table.awk: RESULT lines -> a table of medians and ratios against "aio".
$1 == "RESULT" { key = $2 " " $4; values[key, $3] = values[key, $3] " " $5; keys[key] = 1 }

function median(list,    a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j] + 0 < a[j - 1] + 0; j--) {
        t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
    }
    return n == 0 ? "" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
}

END {
    split("aio asyncio uvloop node libuv", peers, " ")
    printf "%-24s %10s", "workload metric", "aio"
    for (p = 2; p <= 5; p++) printf " %18s", peers[p] " (ratio)"
    printf "\n"
    count = 0
    for (key in keys) sorted[++count] = key
    for (i = 2; i <= count; i++) for (j = i; j > 1 && sorted[j] < sorted[j - 1]; j--) {
        t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t
    }
    for (i = 1; i <= count; i++) {
        key = sorted[i]
        ours = median(values[key, "aio"])
        printf "%-24s %10s", key, ours == "" ? "-" : ours
        for (p = 2; p <= 5; p++) {
            theirs = median(values[key, peers[p]])
            if (theirs == "") printf " %18s", "-"
            else if (ours + 0 > 0) printf " %9s (%6.1fx)", theirs, theirs / ours
            else printf " %18s", theirs
        }
        printf "\n"
    }
}
