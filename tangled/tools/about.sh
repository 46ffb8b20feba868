#!/usr/bin/env bash
# about.sh: the title page's facts as Pandoc metadata (YAML) on stdout.
set -u
built=$(date -u '+%Y-%m-%d %H:%M UTC')
if commit=$(git rev-parse --short HEAD 2> /dev/null); then
    git diff --quiet HEAD -- 2> /dev/null || commit="$commit + changes"
    commit="commit $commit"
else
    commit="a tree outside git"
fi
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2> /dev/null | head -n 1)
machine="$(uname -srm), $(nproc) CPUs${model:+, $model}"
printf 'date: |\n  | Built %s from %s.\n  | Demo outputs captured on %s.\n' \
    "$built" "$commit" "$machine"
