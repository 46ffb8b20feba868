# sum-checks.awk: add up Check's summary lines into one closing line.
/Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ {
    match($0, /Checks: [0-9]+/);   checks = substr($0, RSTART + 8, RLENGTH - 8)
    match($0, /Failures: [0-9]+/); failures = substr($0, RSTART + 10, RLENGTH - 10)
    match($0, /Errors: [0-9]+/);   errors = substr($0, RSTART + 8, RLENGTH - 8)
    total += checks; bad += failures + errors
}
/^[a-z]+: [0-9]+ passed, [0-9]+ failed$/ {
    split($0, words, " ");  total += words[2] + words[4];  bad += words[4]
}
END {
    printf "check: %d passed, %d failed\n", total - bad, bad
    exit bad > 0 || total == 0
}
