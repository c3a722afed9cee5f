#!/usr/bin/env bash
# Cold `cargo build --release` of syspack's four sys crates (vendored) against the registry's
# libz-sys (static), bzip2-sys (static), liblzma-sys (static) and zstd-sys, on the same machine,
# in one run, interleaved, REPS repetitions, each with a fresh CARGO_TARGET_DIR.
#
#   bench/sys-build.sh [REPS]            (default 3)
#
# Environment:
#   BENCH_WORK           scratch directory        [default: /tmp/bench-sysbuild]
#   SYSPACK_SOURCE_DIR   filled source cache      [default: /tmp/syspack-sources]
#
# Prints a Markdown table (medians, ratio) and writes $BENCH_WORK/sys-build.tsv (every run).
# `links` forbids both sets in one dependency graph, so each set has its own scratch workspace.
set -euo pipefail

REPS=${1:-3}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=${BENCH_WORK:-/tmp/bench-sysbuild}
export SYSPACK_SOURCE_DIR=${SYSPACK_SOURCE_DIR:-/tmp/syspack-sources}

if [ ! -d "$SYSPACK_SOURCE_DIR" ] || [ -z "$(ls -A "$SYSPACK_SOURCE_DIR" 2>/dev/null)" ]; then
    echo "error: the source cache $SYSPACK_SOURCE_DIR is empty; fill it with ci/fetch-sources and" \
        "\`syspack vendor import DIR\`, or point SYSPACK_SOURCE_DIR at a filled cache" >&2
    exit 2
fi

mkdir -p "$WORK/ws-syspack/src" "$WORK/ws-registry/src"

# --- scratch workspace 1: syspack's sys crates, by path ----------------------------------------
cat > "$WORK/ws-syspack/Cargo.toml" <<EOF
[package]
name = "bench-sys-syspack"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[features]
vendored = [
    "syspack-zlib-sys/vendored",
    "syspack-bzip2-sys/vendored",
    "syspack-lzma-sys/vendored",
    "syspack-zstd-sys/vendored",
]

[dependencies]
syspack-zlib-sys = { path = "$ROOT/sys-crates/zlib-sys" }
syspack-bzip2-sys = { path = "$ROOT/sys-crates/bzip2-sys" }
syspack-lzma-sys = { path = "$ROOT/sys-crates/lzma-sys" }
syspack-zstd-sys = { path = "$ROOT/sys-crates/zstd-sys" }
EOF
cat > "$WORK/ws-syspack/src/lib.rs" <<'EOF'
pub use syspack_bzip2_sys as bzip2;
pub use syspack_lzma_sys as lzma;
pub use syspack_zlib_sys as zlib;
pub use syspack_zstd_sys as zstd;
EOF

# --- scratch workspace 2: the registry's sys crates --------------------------------------------
# Each builds its bundled C source and links it statically with these features; zstd-sys
# always builds its bundled source (default features: legacy, zdict_builder).
cat > "$WORK/ws-registry/Cargo.toml" <<'EOF'
[package]
name = "bench-sys-registry"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[features]
# Same command line as the syspack workspace; the static features are set below.
vendored = []

[dependencies]
libz-sys = { version = "1", features = ["static"] }
bzip2-sys = { version = "0.1", features = ["static"] }
liblzma-sys = { version = "0.4", features = ["static"] }
zstd-sys = { version = "2" }
EOF
cat > "$WORK/ws-registry/src/lib.rs" <<'EOF'
pub use bzip2_sys as bzip2;
pub use libz_sys as zlib;
pub use liblzma_sys as lzma;
pub use zstd_sys as zstd;
EOF

# Resolve and download once (not timed); the timed builds run --offline.
for ws in ws-syspack ws-registry; do
    (cd "$WORK/$ws" && cargo fetch --quiet)
done

TSV="$WORK/sys-build.tsv"
printf 'rep\tset\tseconds\tloadavg_before\n' > "$TSV"

run_one() { # set-name workspace-dir
    local name=$1 ws=$2 target="/tmp/bench-sysbuild-target-$1"
    rm -rf "$target"
    local load t0 t1
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s.%N)
    (cd "$ws" && CARGO_TARGET_DIR="$target" cargo build --release --offline --features vendored \
        --quiet >"$WORK/$name.log" 2>&1) || { echo "error: build of $name failed, see $WORK/$name.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    rm -rf "$target"
    python3 -c "print(f'{$t1-$t0:.2f}')"
    echo "$load" > "$WORK/.load"
}

for rep in $(seq 1 "$REPS"); do
    # Alternate the order so that neither set always runs first after the other's page cache.
    if [ $((rep % 2)) -eq 1 ]; then order="syspack registry"; else order="registry syspack"; fi
    for set in $order; do
        secs=$(run_one "$set" "$WORK/ws-$set")
        load=$(cat "$WORK/.load")
        printf '%s\t%s\t%s\t%s\n' "$rep" "$set" "$secs" "$load" >> "$TSV"
        echo "rep $rep  $set  ${secs}s  (load average before: $load)" >&2
    done
done

python3 - "$TSV" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
by = {}
for rep, s, secs, load in rows:
    by.setdefault(s, []).append(float(secs))
def stats(v):
    m = statistics.mean(v)
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    return statistics.median(v), m, sd, min(v), max(v)
print("| set | runs | median (s) | mean ± σ (s) | min … max (s) |")
print("|---|---|---|---|---|")
label = {"syspack": "syspack sys crates, vendored", "registry": "registry sys crates, static"}
for s in ("syspack", "registry"):
    med, m, sd, lo, hi = stats(by[s])
    print(f"| {label[s]} | {len(by[s])} | {med:.1f} | {m:.1f} ± {sd:.1f} | {lo:.1f} … {hi:.1f} |")
r = statistics.median(by["syspack"]) / statistics.median(by["registry"])
print(f"\nratio syspack / registry (medians): **{r:.2f}×**")
loads = [float(l[3]) for l in rows]
print(f"load average (1 min) before the runs: {min(loads):.2f} … {max(loads):.2f}")
EOF
