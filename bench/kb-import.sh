#!/usr/bin/env bash
# `syspack kb import` of an rpm-md repository against libsolv's reader of the same repodata
# (repo2solv, what dnf's solver loads), on a synthetic repository of Fedora's size:
#   bench/kb-import.sh [PACKAGES] [FILES_PER_PACKAGE]        (default 60000 20)
# Environment: BENCH_WORK (scratch, default /tmp/bench-kb), BENCH_REPS (default 3),
# BENCH_SYSPACK (a syspack binary; default: build the release binary of this checkout).
# Needs: apt-get install -y libsolv-tools time
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packages=${1:-60000}
files=${2:-20}
work=${BENCH_WORK:-/tmp/bench-kb}
reps=${BENCH_REPS:-3}
for tool in repo2solv /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "kb-import.sh: $tool is missing: apt-get install -y libsolv-tools time python3" >&2; exit 1; }
done
if [ -n "${BENCH_SYSPACK:-}" ]; then
  syspack=$BENCH_SYSPACK
else
  (cd "$here/.." && cargo build --release --quiet)
  syspack="$here/../target/release/syspack"
fi
rm -rf "$work" && mkdir -p "$work"
python3 "$here/gen-rpmmd.py" "$work/repo" --packages "$packages" --files "$files"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$reps"); do
  rm -rf "$work/out"
  /usr/bin/time -f "rep $rep: syspack kb import: %e s wall, %U + %S s CPU, %M KB peak RSS" \
    "$syspack" kb import --release fedora-43 --origin bench "$work/repo" --out "$work/out" >/dev/null
  /usr/bin/time -f "rep $rep: repo2solv -F (primary + filelists): %e s wall, %U + %S s CPU, %M KB peak RSS" \
    repo2solv -F -o "$work/all.solv" "$work/repo"
  /usr/bin/time -f "rep $rep: repo2solv (primary only): %e s wall, %U + %S s CPU, %M KB peak RSS" \
    repo2solv -o "$work/primary.solv" "$work/repo"
done
ls -l "$work/out" "$work"/*.solv
