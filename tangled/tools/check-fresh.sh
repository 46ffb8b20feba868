#!/usr/bin/env bash
# check-fresh.sh: the README's two commands, make and make check, as root on a
# fresh minimal Debian 12 root holding the committed tree; cleans up in every case.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
    echo "check-fresh: run it as root: it builds a Debian root and mounts /proc in it" >&2
    exit 1
fi
repo=$(git rev-parse --show-toplevel)
commit=$(git rev-parse HEAD)
git -C "$repo" diff --quiet HEAD ||
    echo "check-fresh: uncommitted changes are not tested, only commit $commit"
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && sources+=("$f")
done
if [ ${#sources[@]} -eq 0 ]; then
    echo "check-fresh: no apt sources found in /etc/apt/" >&2
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/var/tmp}/check-fresh.XXXXXX")
root=$work/root
cleanup() {
    if awk -v w="$work/" 'index($5 "/", w) == 1 { found = 1 } END { exit !found }' \
           /proc/self/mountinfo; then
        echo "check-fresh: something is still mounted under $work; left in place" >&2
        return
    fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
report=()
step() {   # step NAME COMMAND...: run it, note its result and time; stop if it fails
    local name=$1 start=$SECONDS status=0; shift
    "$@" 2>&1 | tee "$work/log" || status=$?
    local t=$((SECONDS - start))
    report+=("$(printf '%-12s %-7s %dm%02ds' "$name" \
        "$([ $status -eq 0 ] && echo ok || echo FAILED)" $((t / 60)) $((t % 60)))")
    if [ $status -ne 0 ]; then
        printf 'check-fresh: %s\n' "${report[@]}"
        echo "check-fresh: FAILED at '$name' (exit status $status), commit $commit"
        exit 1
    fi
}
echo "check-fresh: testing commit $commit in $root"
step mmdebstrap mmdebstrap --quiet --variant=minbase --include=git,make,ca-certificates \
    bookworm "$root" "${sources[@]}"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"    # apt inside needs names
git clone --quiet --no-hardlinks "$repo" "$root/root/book"
git -C "$root/root/book" checkout --quiet --detach "$commit"
inside() {   # inside COMMAND...: run it in /root/book of the fresh root, as root
    unshare --mount --propagation private --pid --fork --kill-child -- \
        bash -c 'mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
                 mount --rbind /sys "$1/sys" && root=$1 && shift &&
                 exec chroot "$root" /usr/bin/env -i HOME=/root \
                     PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                     bash -c "cd /root/book && exec \"\$@\"" bash "$@"' \
        bash "$root" "$@"
}
step make inside make
step "make check" inside make check
printf 'check-fresh: %s\n' "${report[@]}"
echo "check-fresh: $(grep '^check: ' "$work/log" | tail -n 1)"
echo "check-fresh: passed: a fresh Debian 12 with git, make and ca-certificates" \
     "builds and checks commit $commit"
